package dev.opsbus.operations;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.testkit.Await;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Activity is kept for {@code operations.retentionDays} (issue 11, point 4: refusals used to be kept
 * forever, a row each): entries past it are deleted when the log starts and hourly after.
 */
class ActivityRetentionTest {

  static long count(String where) {
    try (Connection c = TestDatabase.start().getPostgresDatabase().getConnection(); Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT count(*) FROM activity WHERE " + where)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void entriesPastTheRetentionAreDeletedAndNewerOnesKept() throws Exception {
    TestDatabase.reset();
    try (Connection c = TestDatabase.start().getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
      st.execute("INSERT INTO activity (id, ts, action, message, data) VALUES (gen_random_uuid(), now() - interval '40 days', 'access_denied', 'old', '{}'),"
          + " (gen_random_uuid(), now() - interval '10 days', 'access_denied', 'recent', '{}')");
    }
    Vertx vertx = Vertx.vertx();
    Pool pool = PgBuilder.pool().connectingTo(TestDatabase.connectOptions()).using(vertx).build();
    ActivityLog log = new ActivityLog(vertx, pool, Duration.ofDays(30));
    try {
      Await.result(log.start());
      Await.until("the 40-day-old entry deleted", Duration.ofSeconds(20), () -> count("message = 'old'") == 0);
      assertThat(count("message = 'recent'")).isEqualTo(1);
    } finally {
      Await.result(log.stop());
      Await.result(pool.close());
      Await.result(vertx.close());
    }
  }
}
