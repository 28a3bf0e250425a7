package dev.opsbus.operations;

import static dev.opsbus.operations.OpsHarness.ADMIN;
import static dev.opsbus.operations.OpsHarness.request;
import static dev.opsbus.operations.OpsHarness.result;
import static dev.opsbus.operations.OpsHarness.until;
import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.Addresses;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A stored schedule whose cron no longer parses is said once, recorded once and listed as broken, not skipped in silence. */
class BrokenScheduleTest {

  static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  void aBrokenScheduleIsLoggedOncePerNodeRecordedOnceInActivityAndListedAsBroken() throws Exception {
    TestDatabase.reset();
    UUID broken = UUID.randomUUID();
    // as an older version could have stored it, or a hand edit: nothing on the create path accepts this
    insertSchedule(broken, "every full moon");
    Vertx a = Vertx.vertx();
    Vertx b = Vertx.vertx();
    OpsHarness.registerDemoHost(a);
    try (LogCapture log = LogCapture.of(Scheduler.class)) {
      OpsHarness.deployOperations(a, fastTicks(OpsHarness.config("node-a", List.of())));
      OpsHarness.deployOperations(b, fastTicks(OpsHarness.config("node-b", List.of())));
      // a healthy schedule beside it, whose firings show that both nodes keep ticking
      JsonObject healthy = result(request(a, Addresses.OPS_SCHEDULES, new JsonObject().put("action", "create").put("hostId", "demo")
          .put("type", "ssh_test").put("cron", "* * * * * *"), ADMIN));
      until("the healthy schedule fired three times", WAIT, () -> ClusterOperationsTest.occurrences().size() >= 3);

      until("the broken schedule is in the activity log", WAIT, () -> !brokenEntries(a).isEmpty());
      JsonArray entries = brokenEntries(a);
      assertThat(entries).as("one entry, however many nodes and ticks saw it").hasSize(1);
      JsonObject entry = entries.getJsonObject(0);
      assertThat(entry.getString("message")).contains(broken.toString()).contains("cron");
      assertThat(entry.getJsonObject("data").getString("scheduleId")).isEqualTo(broken.toString());

      List<String> lines = log.lines("is broken");
      assertThat(lines).as("each node says it once").hasSize(2);
      assertThat(lines).anyMatch(l -> l.contains("node-a")).anyMatch(l -> l.contains("node-b")).allMatch(l -> l.contains(broken.toString()));

      JsonArray schedules = result(request(b, Addresses.OPS_SCHEDULES, new JsonObject().put("action", "list"), ADMIN)).getJsonArray("schedules");
      JsonObject listedBroken = find(schedules, broken.toString());
      assertThat(listedBroken.getString("broken")).startsWith("cron:");
      assertThat(find(schedules, healthy.getString("id")).containsKey("broken")).isFalse();
      result(request(a, Addresses.OPS_SCHEDULES, new JsonObject().put("action", "delete").put("id", healthy.getString("id")), ADMIN));
    } finally {
      result(Future.join(a.close(), b.close()));
    }
  }

  static OperationsConfig fastTicks(OperationsConfig c) {
    return new OperationsConfig(c.nodeId(), c.db(), c.commands(), c.heartbeat(), c.nodeLostAfter(), c.retention(), Duration.ofMillis(200), c.dbPoolSize(), c.fencingTimeout(), c.maxRunning(), c.maxQueued());
  }

  static void insertSchedule(UUID id, String cron) throws Exception {
    try (Connection c = TestDatabase.start().getPostgresDatabase().getConnection();
         PreparedStatement st = c.prepareStatement("INSERT INTO operation_schedules (id, host_id, type, cron, created_by, next_run_at) "
             + "VALUES (?, 'demo', 'ssh_test', ?, 'alice', now() - interval '1 minute')")) {
      st.setObject(1, id);
      st.setString(2, cron);
      st.executeUpdate();
    }
  }

  static JsonArray brokenEntries(Vertx via) {
    JsonArray all = result(request(via, Addresses.ACTIVITY_LIST, new JsonObject().put("sinceSeq", 0).put("limit", 1000), ADMIN)).getJsonArray("entries");
    JsonArray out = new JsonArray();
    all.stream().map(JsonObject.class::cast).filter(e -> Scheduler.SCHEDULE_BROKEN.equals(e.getString("action"))).forEach(out::add);
    return out;
  }

  static JsonObject find(JsonArray schedules, String id) {
    return schedules.stream().map(JsonObject.class::cast).filter(s -> id.equals(s.getString("id"))).findFirst().orElseThrow();
  }
}
