package dev.opsbus.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, point 1: a local user who reaches the embedded PostgreSQL's port gets nothing without
 * the password in {@code <data-dir>/keys/postgres.password}, which only the node's OS user can read.
 * Real embedded PostgreSQL, real JDBC logins.
 */
class EmbeddedDatabaseSecurityTest {

  @TempDir
  Path tmp;

  private static Connection login(String host, int port, String password) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", "postgres");
    if (password != null) {
      p.setProperty("password", password);
    }
    p.setProperty("connectTimeout", "5");
    return DriverManager.getConnection("jdbc:postgresql://" + host + ":" + port + "/postgres", p);
  }

  private static String sqlState(ThrowingLogin l) {
    try (Connection c = l.run()) {
      return "connected";
    } catch (SQLException e) {
      return e.getSQLState();
    }
  }

  private interface ThrowingLogin {
    Connection run() throws SQLException;
  }

  private static String perms(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  @Test
  void aFreshDatabaseRefusesLoginsWithoutThePasswordAndKeepsItOwnerOnly() throws Exception {
    Path data = tmp.resolve("data");
    try (NodeDatabase db = NodeDatabase.startEmbedded(data)) {
      int port = db.connectOptions().getPort();
      Path passwordFile = data.resolve("keys").resolve(EmbeddedAuth.PASSWORD_FILE);
      String password = Files.readString(passwordFile, StandardCharsets.UTF_8).trim();

      // what a local attacker tries: no password, the old default, a guess; on both loopback addresses
      for (String host : new String[] {"127.0.0.1", "localhost"}) {
        assertThat(sqlState(() -> login(host, port, null))).as("no password via " + host).startsWith("08").isNotEqualTo("connected");
        assertThat(sqlState(() -> login(host, port, "postgres"))).as("password 'postgres' via " + host).isEqualTo("28P01");
        assertThat(sqlState(() -> login(host, port, password + "x"))).as("a wrong password via " + host).isEqualTo("28P01");
      }
      try (Connection c = login("127.0.0.1", port, password); ResultSet rs = c.createStatement().executeQuery(
          "SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid WHERE rolname = 'postgres'")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getBoolean(1)).as("the password is stored as a SCRAM verifier").isTrue();
      }
      try (Connection c = db.connect(); ResultSet rs = c.createStatement().executeQuery(
          "SELECT current_setting('listen_addresses'), current_setting('unix_socket_directories'), current_setting('password_encryption')")) {
        rs.next();
        assertThat(rs.getString(1)).as("listen_addresses").isEqualTo("localhost");
        assertThat(rs.getString(2)).as("no Unix socket").isEmpty();
        assertThat(rs.getString(3)).isEqualTo("scram-sha-256");
      }

      assertThat(password).matches("[A-Za-z0-9_-]{40,}");
      assertThat(perms(data)).isEqualTo("rwx------");
      assertThat(perms(data.resolve("keys"))).isEqualTo("rwx------");
      assertThat(perms(passwordFile)).isEqualTo("rw-------");
      assertNoTrust(data.resolve("pg"));
    }
  }

  @Test
  void aRestartOnTheSameDataDirKeepsThePassword() throws Exception {
    Path data = tmp.resolve("data");
    String first;
    try (NodeDatabase db = NodeDatabase.startEmbedded(data)) {
      first = db.connectOptions().getPassword();
    }
    try (NodeDatabase db = NodeDatabase.startEmbedded(data); Connection c = db.connect()) {
      assertThat(db.connectOptions().getPassword()).isEqualTo(first);
      assertThat(c.isValid(5)).isTrue();
      assertThat(sqlState(() -> login("127.0.0.1", db.connectOptions().getPort(), null))).isNotEqualTo("connected");
    }
  }

  @Test
  void aTrustingDataDirOfAnOlderVersionIsUpgradedInPlace() throws Exception {
    Path data = tmp.resolve("old");
    Path pgDir = data.resolve("pg");
    // what versions before this one left: initdb's pg_hba.conf (trust), no password, data in it
    try (EmbeddedPostgres old = EmbeddedPostgres.builder().setDataDirectory(pgDir).setCleanDataDirectory(false)
        .setRegisterShutdownHook(false).start();
        Connection c = old.getPostgresDatabase().getConnection()) {
      c.createStatement().execute("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')");
    }
    assertThat(Files.readString(pgDir.resolve("pg_hba.conf"))).contains("trust");

    try (NodeDatabase db = NodeDatabase.startEmbedded(data)) {
      int port = db.connectOptions().getPort();
      assertThat(sqlState(() -> login("127.0.0.1", port, null))).isNotEqualTo("connected");
      assertThat(sqlState(() -> login("localhost", port, "postgres"))).isEqualTo("28P01");
      try (Connection c = db.connect(); ResultSet rs = c.createStatement().executeQuery("SELECT v FROM kept")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("still here");
      }
      assertNoTrust(pgDir);
      assertThat(perms(data.resolve("keys").resolve(EmbeddedAuth.PASSWORD_FILE))).isEqualTo("rw-------");
    }
  }

  @Test
  void aLostPasswordFileGetsANewPassword() throws Exception {
    Path data = tmp.resolve("data");
    String first;
    try (NodeDatabase db = NodeDatabase.startEmbedded(data)) {
      first = db.connectOptions().getPassword();
    }
    Files.delete(data.resolve("keys").resolve(EmbeddedAuth.PASSWORD_FILE));
    try (NodeDatabase db = NodeDatabase.startEmbedded(data)) {
      String second = db.connectOptions().getPassword();
      assertThat(second).isNotEqualTo(first);
      int port = db.connectOptions().getPort();
      assertThat(sqlState(() -> login("127.0.0.1", port, first))).as("the old password").isEqualTo("28P01");
      try (Connection c = login("127.0.0.1", port, second)) {
        assertThat(c.isValid(5)).isTrue();
      }
    }
  }

  private static void assertNoTrust(Path pgDir) throws Exception {
    Path hba = pgDir.resolve("pg_hba.conf");
    String text = Files.readString(hba, StandardCharsets.UTF_8);
    assertThat(text).startsWith(EmbeddedAuth.HBA_MARKER);
    assertThat(text.lines().map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")))
        .as("pg_hba.conf rules")
        .isNotEmpty()
        .allMatch(l -> l.endsWith("scram-sha-256"))
        .noneMatch(l -> l.contains("trust"));
    assertThat(perms(hba)).isEqualTo("rw-------");
  }
}
