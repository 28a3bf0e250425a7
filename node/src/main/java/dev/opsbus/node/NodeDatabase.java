package dev.opsbus.node;

import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's PostgreSQL: either one it starts itself (embedded, data kept in the data directory)
 * or an external one it only checks. Everything here blocks: call it from a main or worker thread,
 * never from an event loop.
 */
final class NodeDatabase implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(NodeDatabase.class);

  /** How long to wait for an external PostgreSQL to accept a connection before giving up. */
  static final int CONNECT_TIMEOUT_SECONDS = 5;

  private final PgConnectOptions options;
  private final String jdbcUrl;
  private final EmbeddedPostgres embedded;
  private final String description;

  private NodeDatabase(PgConnectOptions options, EmbeddedPostgres embedded, String description) {
    this.options = options;
    this.embedded = embedded;
    this.description = description;
    StringBuilder url = new StringBuilder("jdbc:postgresql://").append(hostForUrl(options.getHost())).append(':')
        .append(options.getPort()).append('/').append(options.getDatabase())
        .append("?connectTimeout=").append(CONNECT_TIMEOUT_SECONDS)
        .append("&loginTimeout=").append(CONNECT_TIMEOUT_SECONDS * 2)
        .append("&ApplicationName=opsbus");
    SslMode ssl = options.getSslMode();
    if (ssl != null && ssl != SslMode.DISABLE) {
      url.append("&sslmode=").append(ssl.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
    }
    this.jdbcUrl = url.toString();
  }

  private static String hostForUrl(String host) {
    return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
  }

  /**
   * Starts (or restarts on its kept data) the embedded PostgreSQL in {@code <dataDir>/pg} on a free
   * port, on loopback only and asking for the password in {@code <dataDir>/keys} ({@link EmbeddedAuth}).
   */
  static NodeDatabase startEmbedded(Path dataDir) {
    Path pgDir = dataDir.toAbsolutePath().normalize().resolve("pg");
    String password;
    long t0 = System.nanoTime();
    EmbeddedPostgres pg;
    try {
      try {
        KeyFiles.privateDir(dataDir);
      } catch (IOException e) {
        throw new NodeStartException("cannot create the data directory " + dataDir + ": " + e.getMessage(), e);
      }
      java.io.File binaries = EmbeddedAuth.binariesDir(dataDir);
      password = EmbeddedAuth.secure(dataDir, pgDir, () -> embeddedBuilder(pgDir, binaries));
      pg = EmbeddedAuth.serverConfig(embeddedBuilder(pgDir, binaries))
          .setConnectConfig("password", password)
          .start();
    } catch (IOException | SQLException | RuntimeException e) {
      if (e instanceof NodeStartException n) {
        throw n;
      }
      String reason = rootMessage(e);
      // another process holds the lock; another node in this JVM shows as an overlapping lock
      if (reason.contains("could not lock") || reason.contains("OverlappingFileLock")) {
        throw new NodeStartException("the data directory " + dataDir + " is in use by another running node", e);
      }
      throw new NodeStartException("embedded PostgreSQL did not start in " + pgDir + ": " + reason, e);
    }
    PgConnectOptions o = new PgConnectOptions().setHost("localhost").setPort(pg.getPort())
        .setDatabase("postgres").setUser(EmbeddedAuth.USER).setPassword(password);
    LOG.info("embedded PostgreSQL in {} on port {} ready in {} ms", pgDir, pg.getPort(), (System.nanoTime() - t0) / 1_000_000);
    return new NodeDatabase(o, pg, "embedded PostgreSQL on port " + pg.getPort());
  }

  private static EmbeddedPostgres.Builder embeddedBuilder(Path pgDir, java.io.File binaries) {
    return EmbeddedPostgres.builder()
        .setOverrideWorkingDirectory(binaries)
        .setDataDirectory(pgDir)
        .setCleanDataDirectory(false)
        // the node stops PostgreSQL itself, after Vert.x, so no pool talks to a stopped server
        .setRegisterShutdownHook(false)
        .setPGStartupWait(Duration.ofSeconds(60));
  }

  /** Checks that the external PostgreSQL answers and lets us log in, within a few seconds. */
  static NodeDatabase connectExternal(String pgUrl) {
    PgConnectOptions o = PgConnectOptions.fromUri(pgUrl);
    if (o.getUser() == null || o.getUser().isEmpty()) {
      o.setUser("postgres");
    }
    if (o.getDatabase() == null || o.getDatabase().isEmpty()) {
      o.setDatabase(o.getUser());
    }
    String where = o.getHost() + ":" + o.getPort();
    NodeDatabase db = new NodeDatabase(o, null, "PostgreSQL at " + where + "/" + o.getDatabase());
    try (Connection c = db.connect()) {
      LOG.info("connected to PostgreSQL at {}/{} ({} {})", where, o.getDatabase(),
          c.getMetaData().getDatabaseProductName(), c.getMetaData().getDatabaseProductVersion());
    } catch (SQLException e) {
      String state = e.getSQLState() == null ? "" : e.getSQLState();
      if (state.startsWith("28")) {
        throw new NodeStartException("PostgreSQL at " + where + " refused the login of user '" + o.getUser() + "': " + rootMessage(e), e);
      }
      if (state.equals("3D000")) {
        throw new NodeStartException("PostgreSQL at " + where + " has no database '" + o.getDatabase() + "'", e);
      }
      if (state.startsWith("08") || isNetworkFailure(e)) {
        throw new NodeStartException("cannot reach PostgreSQL at " + where + ": " + rootMessage(e), e);
      }
      throw new NodeStartException("cannot use PostgreSQL at " + where + ": " + rootMessage(e), e);
    }
    return db;
  }

  private static boolean isNetworkFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConnectException || t instanceof UnknownHostException || t instanceof SocketTimeoutException
          || t instanceof NoRouteToHostException) {
        return true;
      }
    }
    return false;
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    if (t != e && e.getMessage() != null && !e.getMessage().contains(m)) {
      m = e.getMessage() + " (" + m + ")";
    }
    return m.replaceAll("[\\r\\n]+", " ").trim();
  }

  Connection connect() throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", options.getUser());
    if (options.getPassword() != null) {
      p.setProperty("password", options.getPassword());
    }
    return DriverManager.getConnection(jdbcUrl, p);
  }

  /**
   * Where every module's migrations are found: each module keeps those of the tables it owns in
   * {@code db/migration/<module>/} (Flyway searches the folders below), and the versions form one
   * sequence across all modules, so a database migrates in the same order whichever jar holds them.
   */
  static final String MIGRATIONS = "classpath:db/migration";

  /** Applies the opsbus schema migrations of every module on the classpath ({@link #MIGRATIONS}). */
  void migrate() {
    long t0 = System.nanoTime();
    MigrateResult r;
    try {
      r = Flyway.configure()
          .dataSource(jdbcUrl, options.getUser(), options.getPassword())
          .locations(MIGRATIONS)
          .load()
          .migrate();
    } catch (RuntimeException e) {
      throw new NodeStartException("database migration on " + description + " failed: " + rootMessage(e), e);
    }
    String version = r.targetSchemaVersion != null ? r.targetSchemaVersion : r.initialSchemaVersion;
    LOG.info("database schema at version {} ({} migration(s) applied in {} ms)", version, r.migrationsExecuted,
        (System.nanoTime() - t0) / 1_000_000);
  }

  /** Connection options for Vert.x clients; a copy, so callers may change it. */
  PgConnectOptions connectOptions() {
    return new PgConnectOptions(options);
  }

  boolean isEmbedded() {
    return embedded != null;
  }

  String description() {
    return description;
  }

  /** Stops the embedded PostgreSQL (its data stays); nothing to do for an external one. */
  @Override
  public void close() {
    if (embedded == null) {
      return;
    }
    long t0 = System.nanoTime();
    try {
      embedded.close();
      LOG.info("embedded PostgreSQL stopped in {} ms", (System.nanoTime() - t0) / 1_000_000);
    } catch (IOException | RuntimeException e) {
      LOG.error("embedded PostgreSQL did not stop cleanly: {}", rootMessage(e));
    }
  }
}
