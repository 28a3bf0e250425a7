package dev.opsbus.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.opsbus.demohost.DemoSshServer;
import dev.opsbus.model.secret.CredentialCipher;
import dev.opsbus.testkit.TestDatabase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.common.Buffer;
import net.schmizz.sshj.common.IOUtils;
import net.schmizz.sshj.connection.channel.direct.Session;
import net.schmizz.sshj.transport.verification.HostKeyVerifier;
import net.schmizz.sshj.userauth.UserAuthException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** {@code --demo} in this JVM: the demo SSH host is started, registered as host 'demo' and usable. */
class DemoHostTest {

  private static final int TIMEOUT_MS = 10_000;

  @TempDir
  Path dataDir;

  private NodeSettings demoSettings() {
    return NodeSettings.builder().httpPort(0).httpHost("127.0.0.1").pgUrl(TestDatabase.url()).dataDir(dataDir)
        .demo(true).verticles(VerticleKind.METRICS).build();
  }

  private record HostRow(String name, String address, int port, String username, String authType, String secret,
      String fingerprint, String logs) {
  }

  private static HostRow demoRow() throws SQLException {
    try (Connection c = TestDatabase.start().getPostgresDatabase().getConnection();
        PreparedStatement st = c.prepareStatement("SELECT name, address, port, username, auth_type, secret_encrypted,"
            + " host_key_fingerprint, logs::text FROM hosts WHERE id = 'demo'");
        ResultSet rs = st.executeQuery()) {
      assertThat(rs.next()).as("a hosts row 'demo'").isTrue();
      return new HostRow(rs.getString(1), rs.getString(2), rs.getInt(3), rs.getString(4), rs.getString(5),
          rs.getString(6), rs.getString(7), rs.getString(8));
    }
  }

  /** The credentials key the node runs with: the test key from the environment (node/pom.xml). */
  private static String credentialKey() {
    return TestKeys.CREDENTIALS;
  }


  /** A client that pins the row's fingerprint (sshj refuses any other key) and records the key it saw. */
  private static SSHClient connectPinned(HostRow row, List<PublicKey> seen) throws IOException {
    SSHClient ssh = new SSHClient();
    ssh.setConnectTimeout(TIMEOUT_MS);
    ssh.setTimeout(TIMEOUT_MS);
    ssh.addHostKeyVerifier(row.fingerprint());
    ssh.addHostKeyVerifier(new HostKeyVerifier() {
      @Override
      public boolean verify(String host, int port, PublicKey key) {
        seen.add(key);
        return false;
      }

      @Override
      public List<String> findExistingAlgorithms(String host, int port) {
        return List.of();
      }
    });
    ssh.connect(row.address(), row.port());
    return ssh;
  }

  private static String sha256Fingerprint(PublicKey key) throws Exception {
    byte[] blob = new Buffer.PlainBuffer().putPublicKey(key).getCompactData();
    return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(MessageDigest.getInstance("SHA-256").digest(blob));
  }

  @Test
  void demoRegistersHostDemoWithThePinnedKeyAndAPasswordTheServerAccepts() throws Exception {
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    logs.start();
    root.addAppender(logs);
    String password;
    int port;
    String fingerprint;
    try (OpsbusNode node = OpsbusNode.start(demoSettings())) {
      DemoSshServer server = node.demoHost();
      assertThat(server).isNotNull();

      HostRow row = demoRow();
      assertThat(row.name()).isEqualTo("Demo host (this machine, loopback)");
      assertThat(row.address()).isEqualTo("127.0.0.1");
      assertThat(row.port()).isEqualTo(server.port());
      assertThat(row.username()).isEqualTo(System.getProperty("user.name"));
      assertThat(row.authType()).isEqualTo("password");
      assertThat(row.fingerprint()).isEqualTo(server.fingerprint()).startsWith("SHA256:");
      assertThat(row.logs()).isEqualTo("[]");
      assertThat(dataDir.resolve("demo-host/host.key")).isRegularFile();

      password = new CredentialCipher(credentialKey()).decrypt(row.secret());
      port = row.port();
      fingerprint = row.fingerprint();
      List<PublicKey> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
      try (SSHClient ssh = connectPinned(row, seen)) {
        ssh.authPassword(row.username(), password);
        try (Session session = ssh.startSession()) {
          Session.Command cmd = session.exec("echo ok");
          String out = IOUtils.readFully(cmd.getInputStream()).toString(StandardCharsets.UTF_8);
          cmd.join(TIMEOUT_MS, TimeUnit.MILLISECONDS);
          assertThat(out).isEqualTo("ok\n");
          assertThat(cmd.getExitStatus()).isZero();
        }
      }
      // the pinned verifier accepted first; compute the fingerprint here from what a second look sees
      try (SSHClient ssh = new SSHClient()) {
        ssh.addHostKeyVerifier(new HostKeyVerifier() {
          @Override
          public boolean verify(String host, int p, PublicKey key) {
            seen.add(key);
            return true;
          }

          @Override
          public List<String> findExistingAlgorithms(String host, int p) {
            return List.of();
          }
        });
        ssh.connect(row.address(), row.port());
      }
      assertThat(seen).isNotEmpty();
      assertThat(sha256Fingerprint(seen.get(0))).isEqualTo(row.fingerprint());

      try (SSHClient ssh = connectPinned(row, new java.util.ArrayList<>())) {
        assertThatThrownBy(() -> ssh.authPassword(row.username(), password + "x")).isInstanceOf(UserAuthException.class);
      }
    } finally {
      root.detachAppender(logs);
    }

    assertThat(logs.list).extracting(ILoggingEvent::getFormattedMessage)
        .anyMatch(m -> m.equals("demo host 'demo' on 127.0.0.1:" + port + " (user " + System.getProperty("user.name")
            + "), host key " + fingerprint + " pinned"))
        .noneMatch(m -> m.contains(password));
    // stopped with the node: nothing listens on the demo port any more
    try (java.net.Socket s = new java.net.Socket()) {
      assertThatThrownBy(() -> s.connect(new java.net.InetSocketAddress("127.0.0.1", port), TIMEOUT_MS))
          .isInstanceOf(IOException.class);
    }
  }

  @Test
  void aRestartOnTheSameDataDirKeepsTheFingerprintAndReplacesThePassword() throws Exception {
    HostRow first;
    try (OpsbusNode node = OpsbusNode.start(demoSettings())) {
      first = demoRow();
    }
    String key = credentialKey();
    String oldPassword = new CredentialCipher(key).decrypt(first.secret());

    try (OpsbusNode node = OpsbusNode.start(demoSettings())) {
      HostRow second = demoRow();
      assertThat(second.fingerprint()).isEqualTo(first.fingerprint()).isEqualTo(node.demoHost().fingerprint());
      assertThat(second.port()).isEqualTo(node.demoHost().port());
      String newPassword = new CredentialCipher(credentialKey()).decrypt(second.secret());
      assertThat(newPassword).isNotEqualTo(oldPassword);
      try (SSHClient ssh = connectPinned(second, new java.util.ArrayList<>())) {
        assertThatThrownBy(() -> ssh.authPassword(second.username(), oldPassword)).isInstanceOf(UserAuthException.class);
      }
      try (SSHClient ssh = connectPinned(second, new java.util.ArrayList<>())) {
        ssh.authPassword(second.username(), newPassword);
        assertThat(ssh.isAuthenticated()).isTrue();
      }
    }
  }

  @Test
  void withoutDemoThereIsNoDemoServer() {
    try (OpsbusNode node = OpsbusNode.start(demoSettings().toBuilder().demo(false).build())) {
      assertThat(node.demoHost()).isNull();
    }
  }
}
