package dev.opsbus.testkit;

import dev.opsbus.model.secret.CredentialCipher;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Base64;

/** Registers SSH hosts in the test database the way the hosts API stores them (secret encrypted). */
public final class TestHosts {

  private TestHosts() {
  }

  /** Inserts (or replaces) a password host with its host key pinned ({@code fingerprint} may be null). */
  public static void password(String id, String address, int port, String username, String password, String fingerprint) {
    try (Connection c = TestDatabase.start().getPostgresDatabase().getConnection()) {
      String key = credentialKey(c);
      try (PreparedStatement st = c.prepareStatement("INSERT INTO hosts (id, name, address, port, username, auth_type, secret_encrypted, host_key_fingerprint) "
          + "VALUES (?, ?, ?, ?, ?, 'password', ?, ?) ON CONFLICT (id) DO UPDATE SET address = EXCLUDED.address, port = EXCLUDED.port, "
          + "username = EXCLUDED.username, secret_encrypted = EXCLUDED.secret_encrypted, host_key_fingerprint = EXCLUDED.host_key_fingerprint")) {
        st.setString(1, id);
        st.setString(2, id);
        st.setString(3, address);
        st.setInt(4, port);
        st.setString(5, username);
        st.setString(6, new CredentialCipher(key).encrypt(password));
        st.setString(7, fingerprint);
        st.executeUpdate();
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not register test host " + id, e);
    }
  }

  /** The cluster-wide credential key, created like the nodes create it when absent. */
  static String credentialKey(Connection c) throws SQLException {
    byte[] raw = new byte[CredentialCipher.KEY_BYTES];
    new SecureRandom().nextBytes(raw);
    try (PreparedStatement ins = c.prepareStatement("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING")) {
      ins.setString(1, CredentialCipher.SETTINGS_KEY);
      ins.setString(2, Base64.getEncoder().encodeToString(raw));
      ins.executeUpdate();
    }
    try (PreparedStatement q = c.prepareStatement("SELECT value FROM settings WHERE key = ?")) {
      q.setString(1, CredentialCipher.SETTINGS_KEY);
      try (ResultSet rs = q.executeQuery()) {
        rs.next();
        return rs.getString(1);
      }
    }
  }
}
