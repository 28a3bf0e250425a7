package dev.opsbus.testkit;

import io.vertx.pgclient.PgConnectOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.stream.Stream;
import org.flywaydb.core.Flyway;

/**
 * One real embedded PostgreSQL per test JVM, migrated with the opsbus schema. {@link #reset()}
 * empties every table between tests so each starts from a clean database. {@link #stopServer()}
 * and {@link #startServer()} restart the server on the same port and data, as an operator's
 * restart would: connections drop, new ones are refused until it is back, nothing is lost.
 */
public final class TestDatabase {

  private static EmbeddedPostgres pg;
  private static Path dataDir;
  private static int port;
  private static boolean down;

  private TestDatabase() {
  }

  /** Starts the database on first use; later calls return the same one. */
  public static synchronized EmbeddedPostgres start() {
    if (pg == null) {
      try {
        // a data directory of our own, kept when the server stops, so it can start again on the same data
        dataDir = Files.createTempDirectory("opsbus-test-pg");
        pg = EmbeddedPostgres.builder().setDataDirectory(dataDir).setCleanDataDirectory(false).start();
      } catch (IOException e) {
        throw new UncheckedIOException("embedded PostgreSQL did not start", e);
      }
      port = pg.getPort();
      Flyway.configure().dataSource(pg.getPostgresDatabase()).locations("classpath:db/migration").load().migrate();
      Runtime.getRuntime().addShutdownHook(new Thread(TestDatabase::stop, "test-db-stop"));
    }
    return pg;
  }

  public static PgConnectOptions connectOptions() {
    start();
    return new PgConnectOptions().setHost("localhost").setPort(port)
        .setDatabase("postgres").setUser("postgres").setPassword("postgres");
  }

  /** libpq-style URL, as {@code --pg-url} takes it. */
  public static String url() {
    start();
    return "postgresql://postgres:postgres@localhost:" + port + "/postgres";
  }

  /**
   * Stops the server (PostgreSQL's fast shutdown: open connections are cut) and leaves it down:
   * connecting is refused until {@link #startServer()}. Blocks until it is down.
   */
  public static synchronized void stopServer() {
    start();
    if (down) {
      throw new IllegalStateException("the test database is already stopped");
    }
    try {
      pg.close();
    } catch (IOException e) {
      throw new UncheckedIOException("embedded PostgreSQL did not stop", e);
    }
    down = true;
  }

  /** Starts the stopped server again on the same port and data directory. Blocks until it takes connections. */
  public static synchronized void startServer() {
    if (!down) {
      throw new IllegalStateException("the test database is not stopped");
    }
    try {
      pg = EmbeddedPostgres.builder().setDataDirectory(dataDir).setCleanDataDirectory(false).setPort(port).start();
    } catch (IOException e) {
      throw new UncheckedIOException("embedded PostgreSQL did not start again on port " + port, e);
    }
    down = false;
  }

  /**
   * The process id of the running server's postmaster (from {@code postmaster.pid}): a test pauses
   * the server with SIGSTOP to it and its children, as a hung database host would.
   */
  public static synchronized long serverPid() {
    start();
    try {
      return Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).trim());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read postmaster.pid of the test database", e);
    }
  }

  /** Empties every opsbus table (not the migration history). */
  public static void reset() {
    try (Connection c = start().getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
      st.execute("DO $$ DECLARE r record; BEGIN "
          + "FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'flyway_schema_history' LOOP "
          + "EXECUTE 'TRUNCATE TABLE ' || quote_ident(r.tablename) || ' CASCADE'; END LOOP; END $$");
    } catch (SQLException e) {
      throw new IllegalStateException("could not reset the test database", e);
    }
  }

  private static synchronized void stop() {
    if (pg != null && !down) {
      try {
        pg.close();
      } catch (IOException ignored) {
        // the JVM is exiting; the process goes with it
      }
    }
    pg = null;
    if (dataDir != null) {
      try (Stream<Path> files = Files.walk(dataDir)) {
        files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      } catch (IOException ignored) {
        // a leftover temporary directory is all that is lost
      }
    }
  }
}
