package dev.opsbus.operations;

import static dev.opsbus.operations.OpsHarness.ADMIN;
import static dev.opsbus.operations.OpsHarness.OPERATOR;
import static dev.opsbus.operations.OpsHarness.request;
import static dev.opsbus.operations.OpsHarness.result;
import static dev.opsbus.operations.OpsHarness.until;
import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.Addresses;
import dev.opsbus.testkit.TestCluster;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Two clustered nodes on one database: dedupe across nodes, node loss, schedules. */
class ClusterOperationsTest {

  static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  void hundredConcurrentStartsSplitAcrossTwoNodesMakeExactlyOneOperation() throws Exception {
    TestDatabase.reset();
    String cluster = TestCluster.newName();
    TestCluster.Node a = TestCluster.start(cluster);
    TestCluster.Node b = TestCluster.start(cluster);
    OpsHarness.registerDemoHost(a.vertx());
    try {
      var commands = List.of(OpsHarness.command("sleeper", "sleep 30"));
      OpsHarness.deployRelay(a.vertx(), "node-a");
      OpsHarness.deployOperations(a.vertx(), OpsHarness.config("node-a", commands));
      OpsHarness.deployOperations(b.vertx(), OpsHarness.config("node-b", commands));
      List<Future<JsonObject>> answers = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        Vertx via = i % 2 == 0 ? a.vertx() : b.vertx();
        answers.add(request(via, Addresses.OPS_START, new JsonObject().put("hostId", "demo").put("type", "sleeper"), OPERATOR));
      }
      result(Future.join(answers));
      Map<String, Integer> byStatus = new HashMap<>();
      String id = null;
      for (Future<JsonObject> f : answers) {
        assertThat(f.succeeded()).as(String.valueOf(f.cause())).isTrue();
        byStatus.merge(f.result().getString("status"), 1, Integer::sum);
        if (id == null) {
          id = f.result().getString("operationId");
        }
        assertThat(f.result().getString("operationId")).isEqualTo(id);
      }
      assertThat(byStatus).isEqualTo(Map.of("started", 1, "already_running", 99));
      try (Connection c = TestDatabase.start().getPostgresDatabase().getConnection();
           ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM operations WHERE host_id = 'demo' AND type = 'sleeper'")) {
        rs.next();
        assertThat(rs.getInt(1)).isEqualTo(1);
      }
      result(request(a.vertx(), Addresses.OPS_CANCEL, new JsonObject().put("operationId", id), ADMIN));
    } finally {
      result(Future.join(a.vertx().close(), b.vertx().close()));
    }
  }

  @Test
  void aLostNodesOperationIsFailedNodeLostBySurvivorAndANewStartIsAccepted() {
    TestDatabase.reset();
    Vertx a = Vertx.vertx();
    Vertx b = Vertx.vertx();
    OpsHarness.registerDemoHost(a);
    try {
      var commands = List.of(OpsHarness.command("sleeper", "sleep 30"));
      OpsHarness.deployRelay(a, "node-a");
      OpsHarness.deployOperations(a, OpsHarness.config("node-a", commands));
      OpsHarness.deployOperations(b, OpsHarness.config("node-b", commands));
      String id = result(request(a, Addresses.OPS_START, new JsonObject().put("hostId", "demo").put("type", "sleeper"), OPERATOR)).getString("operationId");
      Instant lost = Instant.now();
      // node A goes away without a word: its heartbeats stop
      result(a.close());
      until("node_lost", WAIT, () -> {
        JsonObject op = result(request(b, Addresses.OPS_GET, new JsonObject().put("operationId", id), ADMIN));
        return "failed".equals(op.getString("status"));
      });
      JsonObject op = result(request(b, Addresses.OPS_GET, new JsonObject().put("operationId", id), ADMIN));
      assertThat(op.getString("error")).contains("node_lost");
      assertThat(op.getJsonObject("metadata").getString("reason")).isEqualTo("node_lost");
      assertThat(Duration.between(lost, Instant.now())).isLessThan(Duration.ofSeconds(30));
      JsonObject again = result(request(b, Addresses.OPS_START, new JsonObject().put("hostId", "demo").put("type", "sleeper"), OPERATOR));
      // accepted, but its command waits: the lost run's command may still run on the host, and no
      // relay is left here to confirm it gone (the fence stays open until the fencing timeout)
      assertThat(again.getString("status")).isEqualTo("waiting_for_previous");
      assertThat(again.getString("waitingFor")).isEqualTo(id);
      assertThat(again.getString("operationId")).isNotEqualTo(id);
    } finally {
      result(b.close());
    }
  }

  @Test
  void aScheduledOperationFiresOncePerOccurrenceWithTwoNodesUp() throws Exception {
    TestDatabase.reset();
    Vertx a = Vertx.vertx();
    Vertx b = Vertx.vertx();
    OpsHarness.registerDemoHost(a);
    try {
      OperationsConfig ca = OpsHarness.config("node-a", List.of());
      OperationsConfig cb = OpsHarness.config("node-b", List.of());
      ca = ca.withSchedulerTick(Duration.ofMillis(200));
      cb = cb.withSchedulerTick(Duration.ofMillis(200));
      OpsHarness.deployOperations(a, ca);
      OpsHarness.deployOperations(b, cb);
      JsonObject schedule = result(request(a, Addresses.OPS_SCHEDULES, new JsonObject().put("action", "create").put("hostId", "demo")
          .put("type", "ssh_test").put("cron", "*/2 * * * * *"), ADMIN));
      assertThat(schedule.getString("nextRunAt")).isNotBlank();
      until("three occurrences fired", WAIT, () -> occurrences().size() >= 3);
      result(request(a, Addresses.OPS_SCHEDULES, new JsonObject().put("action", "delete").put("id", schedule.getString("id")), ADMIN));
      Map<String, Integer> perOccurrence = occurrences();
      assertThat(perOccurrence.values()).as("each occurrence fired exactly once: %s", perOccurrence).allMatch(n -> n == 1);
      try (Connection c = TestDatabase.start().getPostgresDatabase().getConnection();
           ResultSet rs = c.createStatement().executeQuery("SELECT DISTINCT created_by FROM operations")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo("cron");
        assertThat(rs.next()).isFalse();
      }
    } finally {
      result(Future.join(a.close(), b.close()));
    }
  }

  static Map<String, Integer> occurrences() {
    Map<String, Integer> out = new HashMap<>();
    try (Connection c = TestDatabase.start().getPostgresDatabase().getConnection();
         ResultSet rs = c.createStatement().executeQuery("SELECT metadata->>'occurrence', count(*) FROM operations GROUP BY 1")) {
      while (rs.next()) {
        out.put(rs.getString(1), rs.getInt(2));
      }
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    return out;
  }
}
