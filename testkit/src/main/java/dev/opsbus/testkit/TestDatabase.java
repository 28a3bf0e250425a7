package dev.opsbus.testkit;

import io.vertx.pgclient.PgConnectOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.flywaydb.core.Flyway;

/**
 * One real embedded PostgreSQL per test JVM, migrated with the opsbus schema. {@link #reset()}
 * empties every table between tests so each starts from a clean database.
 */
public final class TestDatabase {

  private static EmbeddedPostgres pg;

  private TestDatabase() {
  }

  /** Starts the database on first use; later calls return the same one. */
  public static synchronized EmbeddedPostgres start() {
    if (pg == null) {
      try {
        pg = EmbeddedPostgres.builder().start();
      } catch (IOException e) {
        throw new UncheckedIOException("embedded PostgreSQL did not start", e);
      }
      Flyway.configure().dataSource(pg.getPostgresDatabase()).locations("classpath:db/migration").load().migrate();
      Runtime.getRuntime().addShutdownHook(new Thread(TestDatabase::stop, "test-db-stop"));
    }
    return pg;
  }

  public static PgConnectOptions connectOptions() {
    EmbeddedPostgres db = start();
    return new PgConnectOptions().setHost("localhost").setPort(db.getPort())
        .setDatabase("postgres").setUser("postgres").setPassword("postgres");
  }

  /** libpq-style URL, as {@code --pg-url} takes it. */
  public static String url() {
    EmbeddedPostgres db = start();
    return "postgresql://postgres:postgres@localhost:" + db.getPort() + "/postgres";
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
    if (pg != null) {
      try {
        pg.close();
      } catch (IOException ignored) {
        // the JVM is exiting; the process goes with it
      }
      pg = null;
    }
  }
}
