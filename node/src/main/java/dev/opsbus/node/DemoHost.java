package dev.opsbus.node;

import dev.opsbus.demohost.DemoSshServer;
import dev.opsbus.model.secret.CredentialCipher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --demo}: an SSH server on loopback for the OS user running the node, registered as host
 * {@code demo} with its host key pinned and a password generated at each start (kept only
 * encrypted, in the hosts table). Blocking JDBC: runs on the launcher's thread, before Vert.x.
 */
final class DemoHost {

  private static final Logger LOG = LoggerFactory.getLogger(DemoHost.class);

  static final String HOST_ID = "demo";
  static final String HOST_NAME = "Demo host (this machine, loopback)";

  private static final SecureRandom RANDOM = new SecureRandom();

  private DemoHost() {
  }

  /** Starts the server and upserts its {@code hosts} row; the caller closes the server on stop. */
  static DemoSshServer start(Path dataDir, NodeDatabase db) {
    Path dir = dataDir.toAbsolutePath().normalize().resolve("demo-host");
    String user = System.getProperty("user.name");
    String password = randomSecret(24);
    Path home = Path.of(System.getProperty("user.home"));
    DemoSshServer server;
    try {
      Files.createDirectories(dir);
      server = DemoSshServer.start(DemoSshServer.Options.of(dir.resolve("host.key"), user, password,
          Files.isDirectory(home) ? home : dir));
    } catch (IOException | RuntimeException e) {
      throw new NodeStartException("the demo SSH host did not start: " + NodeDatabase.rootMessage(e), e);
    }
    try {
      register(db, server, user, password);
    } catch (SQLException | RuntimeException e) {
      server.close();
      throw new NodeStartException("the demo host could not be registered in the database: " + NodeDatabase.rootMessage(e), e);
    }
    LOG.info("demo host '{}' on {}:{} (user {}), host key {} pinned", HOST_ID, server.host(), server.port(), user,
        server.fingerprint());
    return server;
  }

  private static void register(NodeDatabase db, DemoSshServer server, String user, String password) throws SQLException {
    try (Connection c = db.connect()) {
      CredentialCipher cipher = new CredentialCipher(credentialKey(c));
      try (PreparedStatement st = c.prepareStatement(
          "INSERT INTO hosts (id, name, address, port, username, auth_type, secret_encrypted, host_key_fingerprint, logs)"
              + " VALUES (?, ?, ?, ?, ?, 'password', ?, ?, '[]'::jsonb)"
              + " ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, address = EXCLUDED.address, port = EXCLUDED.port,"
              + " username = EXCLUDED.username, auth_type = EXCLUDED.auth_type,"
              + " secret_encrypted = EXCLUDED.secret_encrypted, host_key_fingerprint = EXCLUDED.host_key_fingerprint,"
              + " updated_at = now()")) {
        st.setString(1, HOST_ID);
        st.setString(2, HOST_NAME);
        st.setString(3, server.host());
        st.setInt(4, server.port());
        st.setString(5, user);
        st.setString(6, cipher.encrypt(password));
        st.setString(7, server.fingerprint());
        st.executeUpdate();
      }
    }
  }

  /** The cluster-wide credential key, created exactly as the gateway's Settings does when absent. */
  static String credentialKey(Connection c) throws SQLException {
    try (PreparedStatement insert = c.prepareStatement(
        "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING")) {
      insert.setString(1, CredentialCipher.SETTINGS_KEY);
      byte[] raw = new byte[CredentialCipher.KEY_BYTES];
      RANDOM.nextBytes(raw);
      insert.setString(2, Base64.getEncoder().encodeToString(raw));
      insert.executeUpdate();
    }
    try (PreparedStatement select = c.prepareStatement("SELECT value FROM settings WHERE key = ?")) {
      select.setString(1, CredentialCipher.SETTINGS_KEY);
      try (ResultSet rs = select.executeQuery()) {
        if (!rs.next()) {
          throw new SQLException("settings has no '" + CredentialCipher.SETTINGS_KEY + "' after creating it");
        }
        return rs.getString(1);
      }
    }
  }

  private static String randomSecret(int bytes) {
    byte[] raw = new byte[bytes];
    RANDOM.nextBytes(raw);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
  }
}
