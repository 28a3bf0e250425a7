package dev.opsbus.operations;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.Json;
import dev.opsbus.model.event.ActivityEvent;
import dev.opsbus.testkit.Await;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The activity log writes its entries in batches (issue 17, point 5: a row a statement, and rows
 * dropped under load): a burst lands whole and in order, and an entry the database does not take is
 * counted and said, never dropped unseen.
 */
class ActivityBatchTest {

  private static final Duration WAIT = Duration.ofSeconds(30);

  @Test
  void aBurstOfEntriesLandsWholeInOrderAndOnceEach() throws Exception {
    TestDatabase.reset();
    Vertx vertx = Vertx.vertx();
    Pool pool = PgBuilder.pool().connectingTo(TestDatabase.connectOptions()).using(vertx).build();
    ActivityLog log = new ActivityLog(vertx, pool);
    try {
      Await.result(log.start());
      List<JsonObject> sent = new ArrayList<>();
      for (int i = 0; i < 3000; i++) {
        // every other one with no user and no address: nulls in the batch's columns
        ActivityEvent ev = ActivityEvent.of("burst", i % 2 == 0 ? "ann" : null, "node-a", i % 2 == 0 ? "ops.start" : null, null,
            String.format("entry %04d", i), Map.of("hostId", "h" + (i % 7), "n", i));
        sent.add(Json.toJsonObject(ev));
      }
      vertx.runOnContext(v -> {
        for (JsonObject ev : sent) {
          vertx.eventBus().publish(Addresses.ACTIVITY_EVENTS, ev);
        }
        // heard twice (as on two nodes): stored once
        vertx.eventBus().publish(Addresses.ACTIVITY_EVENTS, sent.get(5));
      });
      Await.until("every entry stored", WAIT, () -> ActivityRetentionTest.count("action = 'burst'") == 3000);
      List<String> messages = new ArrayList<>();
      try (Connection c = TestDatabase.start().getPostgresDatabase().getConnection(); Statement st = c.createStatement();
           ResultSet rs = st.executeQuery("SELECT message, username, address, data->>'hostId', (data->>'n')::int FROM activity "
               + "WHERE action = 'burst' ORDER BY seq")) {
        int i = 0;
        while (rs.next()) {
          messages.add(rs.getString(1));
          assertThat(rs.getString(2)).isEqualTo(i % 2 == 0 ? "ann" : null);
          assertThat(rs.getString(3)).isEqualTo(i % 2 == 0 ? "ops.start" : null);
          assertThat(rs.getString(4)).isEqualTo("h" + (i % 7));
          assertThat(rs.getInt(5)).isEqualTo(i);
          i++;
        }
      }
      assertThat(messages).as("in the order published").isSorted().hasSize(3000);
      assertThat(log.lost()).isZero();
    } finally {
      Await.result(log.stop());
      Await.result(pool.close());
      Await.result(vertx.close());
    }
  }

  @Test
  void entriesTheDatabaseDoesNotTakeAreCountedAndLogged() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    Vertx vertx = Vertx.vertx();
    Pool pool = PgBuilder.pool().connectingTo(new PgConnectOptions(TestDatabase.connectOptions()).setPort(closedPort)).using(vertx).build();
    ActivityLog log = new ActivityLog(vertx, pool, null, 2);
    try (LogCapture lines = LogCapture.of(ActivityLog.class)) {
      Await.result(log.start());
      for (int i = 0; i < 3; i++) {
        vertx.eventBus().publish(Addresses.ACTIVITY_EVENTS, Json.toJsonObject(ActivityEvent.of("lost", "ann", "node-a", null, null,
            "entry " + i, Map.of())));
      }
      Await.until("the three entries counted lost", WAIT, () -> log.lost() == 3);
      Await.until("the loss logged", WAIT, () -> !lines.lines("activity entries not persisted").isEmpty());
      assertThat(lines.lines("activity entries not persisted")).as("said once, not per entry").hasSize(1);
    } finally {
      Await.result(log.stop());
      Await.result(pool.close());
      Await.result(vertx.close());
    }
  }
}
