package dev.opsbus.operations;

import static dev.opsbus.operations.OpsHarness.ADMIN;
import static dev.opsbus.operations.OpsHarness.OPERATOR;
import static dev.opsbus.operations.OpsHarness.request;
import static dev.opsbus.operations.OpsHarness.result;
import static dev.opsbus.operations.OpsHarness.until;
import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.NodeLocal;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The sweep against a real database: an operation whose node is still a cluster member is not
 * failed however old its heartbeat, and is failed node_lost once the member is gone; an active
 * operation of the sweeping node itself with no run there is failed run_lost.
 */
class LivenessSweepTest {

  static final Duration WAIT = Duration.ofSeconds(60);

  private static JsonObject get(Vertx via, String id) {
    return result(request(via, Addresses.OPS_GET, new JsonObject().put("operationId", id), ADMIN));
  }

  @Test
  void aLiveMemberIsNeverSweptAndAGoneOneIs() {
    TestDatabase.reset();
    Vertx a = Vertx.vertx();
    Vertx b = Vertx.vertx();
    OpsHarness.registerDemoHost(a);
    try (LogCapture kept = LogCapture.of(NodeLiveness.class)) {
      var commands = List.of(OpsHarness.command("sleeper", "sleep 30"));
      OpsHarness.deployRelay(a, "node-a");
      String deployment = OpsHarness.deployOperations(a, OpsHarness.config("node-a", commands));
      b.sharedData().getLocalMap(NodeLocal.MAP).put(NodeLocal.MEMBERS, "node-a,node-b");
      OpsHarness.deployOperations(b, OpsHarness.config("node-b", commands));
      String id = result(request(a, Addresses.OPS_START, new JsonObject().put("hostId", "demo").put("type", "sleeper"), OPERATOR))
          .getString("operationId");
      // node A's operations stop beating (as when its database connection hangs) while it stays a member
      result(a.undeploy(deployment));
      until("node B sees A's heartbeat go stale and keeps A's operation", WAIT,
          () -> !kept.lines("is a live cluster member: not failed").isEmpty());
      assertThat(get(b, id).getString("status")).as("still active").isIn("pending", "in_progress");

      b.sharedData().getLocalMap(NodeLocal.MAP).put(NodeLocal.MEMBERS, "node-b");
      until("node_lost once A has left the cluster", WAIT, () -> "failed".equals(get(b, id).getString("status")));
      assertThat(get(b, id).getJsonObject("metadata").getString("reason")).isEqualTo("node_lost");
    } finally {
      result(io.vertx.core.Future.join(a.close(), b.close()));
    }
  }

  @Test
  void anOwnActiveOperationWithNoRunIsFailedRunLost() throws Exception {
    TestDatabase.reset();
    Vertx b = Vertx.vertx();
    OpsHarness.registerDemoHost(b);
    UUID id = UUID.randomUUID();
    // left behind as if this node had lost its run: active, owned by node-b, quiet for a minute
    try (Connection c = TestDatabase.start().getPostgresDatabase().getConnection();
         PreparedStatement ps = c.prepareStatement("INSERT INTO operations (id, host_id, type, status, progress, message, created_by, requested_by, "
             + "node_id, params, metadata, updated_at) VALUES (?, 'demo', 'ssh_test', 'in_progress', 30, 'running', 'user', 'otto', 'node-b', "
             + "'{}'::jsonb, '{}'::jsonb, now() - interval '1 minute')")) {
      ps.setObject(1, id);
      ps.executeUpdate();
    }
    try {
      OpsHarness.deployOperations(b, OpsHarness.config("node-b", List.of()));
      until("run_lost", WAIT, () -> "failed".equals(get(b, id.toString()).getString("status")));
      assertThat(get(b, id.toString()).getJsonObject("metadata").getString("reason")).isEqualTo("run_lost");
      JsonObject again = result(request(b, Addresses.OPS_START, new JsonObject().put("hostId", "demo").put("type", "ssh_test"), OPERATOR));
      // the host and type are free again; the new run waits for the lost run's fence (no relay here
      // can confirm its command gone, so until the fencing timeout)
      assertThat(again.getString("status")).as("the host and type are free again").isEqualTo("waiting_for_previous");
      assertThat(again.getString("waitingFor")).isEqualTo(id.toString());
    } finally {
      result(b.close());
    }
  }
}
