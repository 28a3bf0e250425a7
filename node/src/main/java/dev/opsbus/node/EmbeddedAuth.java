package dev.opsbus.node;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the embedded PostgreSQL ask for a password: role {@code postgres} gets a random password,
 * kept in {@code <data-dir>/keys/postgres.password} (0600, in a 0700 directory); {@code pg_hba.conf}
 * allows SCRAM-SHA-256 from 127.0.0.1 and ::1 only, nothing on trust; the server listens on
 * loopback only and opens no Unix socket.
 *
 * <p>How the password is set without a window in which anybody is trusted: a fresh data directory
 * (which {@code initdb} creates with {@code trust} in its {@code pg_hba.conf}) and one of an older
 * version (trust all its life) are both first started <em>once</em> with {@code hba_file} pointing
 * at a file of ours that trusts only a Unix socket in a fresh 0700 temporary directory, and refuses
 * every TCP connection. Only this OS user (and root) can reach that socket. Over it the launcher sets
 * the password, then writes the final {@code pg_hba.conf} and stops that server; the node's real
 * start follows. A crash in between leaves the old {@code pg_hba.conf} (no marker line), so the
 * next start does it again. A lost password file is handled the same way: a new password is set.
 */
final class EmbeddedAuth {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedAuth.class);

  static final String PASSWORD_FILE = "postgres.password";
  static final String HBA_MARKER = "# opsbus: password (SCRAM-SHA-256) only, loopback only";
  static final String HBA = HBA_MARKER + "\n"
      + "# Written by the opsbus node at every start; edits are replaced. No line may say trust.\n"
      + "local   all   all                 scram-sha-256\n"
      + "host    all   all   127.0.0.1/32  scram-sha-256\n"
      + "host    all   all   ::1/128       scram-sha-256\n";
  /** The role the node logs in as. */
  static final String USER = "postgres";

  private EmbeddedAuth() {
  }

  /**
   * Where the PostgreSQL binaries are unpacked: a directory only this OS user can write, so that no
   * other local user can plant binaries the node would run (the library's default is a shared
   * directory under {@code java.io.tmpdir}). {@code ~/.cache/opsbus/embedded-pg} (0700, owned by
   * this user), shared by every data dir; else {@code <dataDir>/pg-bin}.
   */
  static java.io.File binariesDir(Path dataDir) throws IOException {
    try {
      // both levels owner-only at every start: the library loosens the inner one when it unpacks
      Path opsbus = KeyFiles.privateDir(Path.of(System.getProperty("user.home"), ".cache", "opsbus"));
      Path cache = KeyFiles.privateDir(opsbus.resolve("embedded-pg"));
      if (Files.getOwner(opsbus).getName().equals(System.getProperty("user.name"))
          && Files.getOwner(cache).getName().equals(System.getProperty("user.name"))) {
        return cache.toFile();
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("no private binaries directory in the home directory: {}", e.getMessage());
    }
    return KeyFiles.privateDir(dataDir.resolve("pg-bin")).toFile();
  }

  /** Server settings of every start: loopback only, no Unix socket, SCRAM for the stored password. */
  static EmbeddedPostgres.Builder serverConfig(EmbeddedPostgres.Builder b) {
    return b.setServerConfig("listen_addresses", "localhost")
        .setServerConfig("unix_socket_directories", "''")
        .setServerConfig("password_encryption", "scram-sha-256");
  }

  /**
   * The password of the embedded PostgreSQL in {@code pgDir}, after making sure the server will ask
   * for it: first start and an upgrade from a trusting data dir run the one-off start described above.
   *
   * @param builder a builder for this data directory (data dir, waits), without port or server config
   */
  static String secure(Path dataDir, Path pgDir, Supplier<EmbeddedPostgres.Builder> builder) throws IOException, SQLException {
    Path passwordFile = KeyFiles.keysDir(dataDir).resolve(PASSWORD_FILE);
    boolean fresh = !Files.exists(pgDir.resolve("postgresql.conf"));
    boolean hadPassword = Files.isRegularFile(passwordFile);
    String password = hadPassword ? KeyFiles.firstValue(Files.readString(passwordFile, StandardCharsets.UTF_8)) : null;
    if (password == null || !password.matches("[A-Za-z0-9_-]{16,}")) {
      password = KeyFiles.randomPassword(32);
      KeyFiles.writePrivate(passwordFile, password + "\n");
      hadPassword = false;
    }
    KeyFiles.tighten(passwordFile);
    if (!fresh && hadPassword && hbaIsOurs(pgDir)) {
      writeHba(pgDir);
      return password;
    }
    if (!fresh) {
      LOG.warn("the embedded PostgreSQL in {} {}: setting its password now", pgDir,
          hbaIsOurs(pgDir) ? "has lost its password file" : "trusted every local connection (an older version made it)");
    }
    setPassword(pgDir, builder, password);
    writeHba(pgDir);
    LOG.info("embedded PostgreSQL in {} now asks for the password in {}", pgDir, passwordFile);
    return password;
  }

  static boolean hbaIsOurs(Path pgDir) throws IOException {
    Path hba = pgDir.resolve("pg_hba.conf");
    return Files.isRegularFile(hba) && Files.readString(hba, StandardCharsets.UTF_8).startsWith(HBA_MARKER);
  }

  private static void writeHba(Path pgDir) throws IOException {
    KeyFiles.writePrivate(pgDir.resolve("pg_hba.conf"), HBA);
  }

  /** The one-off start: trusted only over a Unix socket in a private temporary directory, no TCP login. */
  private static void setPassword(Path pgDir, Supplier<EmbeddedPostgres.Builder> builder, String password)
      throws IOException, SQLException {
    Path tmp = Files.createTempDirectory("opsbus-pg-", PosixFilePermissions.asFileAttribute(KeyFiles.DIR_PERMS));
    try {
      Path hba = tmp.resolve("bootstrap_hba.conf");
      Files.writeString(hba, "local all " + USER + " trust\n", StandardCharsets.UTF_8);
      int port = freePort();
      EmbeddedPostgres.Builder b = builder.get()
          .setPort(port)
          .setServerConfig("listen_addresses", "localhost")
          .setServerConfig("hba_file", hba.toString())
          .setServerConfig("unix_socket_directories", tmp.toString())
          .setServerConfig("unix_socket_permissions", "0700")
          .setConnectConfig("socketFactory", UnixSocketFactory.class.getName())
          .setConnectConfig("socketFactoryArg", tmp.resolve(".s.PGSQL." + port).toString());
      try (EmbeddedPostgres pg = b.start();
          Connection c = pg.getPostgresDatabase().getConnection();
          Statement st = c.createStatement()) {
        st.execute("SET password_encryption = 'scram-sha-256'");
        // the password is base64url (checked above): nothing in it needs quoting
        st.execute("ALTER ROLE " + USER + " WITH PASSWORD '" + password + "'");
      }
    } finally {
      try (Stream<Path> files = Files.walk(tmp)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
