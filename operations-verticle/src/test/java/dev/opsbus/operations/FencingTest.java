package dev.opsbus.operations;

import static dev.opsbus.operations.OpsHarness.ADMIN;
import static dev.opsbus.operations.OpsHarness.OPERATOR;
import static dev.opsbus.operations.OpsHarness.request;
import static dev.opsbus.operations.OpsHarness.result;
import static dev.opsbus.operations.OpsHarness.until;
import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.Addresses;
import dev.opsbus.ssh.exec.RemoteFence;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Fencing of lost runs, on the real relay and SSH server (the host is this machine, so the test sees
 * its process table). A lost run is played by a process tagged as the relay tags commands, and an
 * operation failed {@code node_lost} with its fence open, as the liveness sweep leaves them.
 */
class FencingTest {

  static final Duration WAIT = Duration.ofSeconds(40);

  Vertx vertx;
  final List<JsonObject> updates = new CopyOnWriteArrayList<>();
  final List<Process> started = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() {
    TestDatabase.reset();
    vertx = Vertx.vertx();
    OpsHarness.registerDemoHost(vertx);
    OpsHarness.deployRelay(vertx, "node-a");
    MessageConsumer<JsonObject> c = vertx.eventBus().consumer(Addresses.OPS_UPDATES_HOST.format("demo"), m -> updates.add(m.body()));
    result(c.completion());
  }

  @AfterEach
  void stop() {
    started.forEach(p -> p.descendants().forEach(ProcessHandle::destroyForcibly));
    started.forEach(Process::destroyForcibly);
    result(vertx.close());
  }

  /** This node sweeps once at start and then not for an hour: only what the test does works the fences. */
  static OperationsConfig quietNode(String nodeId, Duration fencingTimeout) {
    return OperationsConfig.defaults(nodeId, TestDatabase.connectOptions())
        .withCommands(List.of(OpsHarness.command("deploy", "echo deploying; echo deployed")))
        .withLiveness(Duration.ofHours(1), Duration.ofHours(2))
        .withFencingTimeout(fencingTimeout);
  }

  /** A process tree on the host tagged as the relay tags the command of operation {@code id}. */
  Process taggedCommand(String id, String script) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", script);
    pb.environment().put(RemoteFence.VARIABLE, id);
    Process p = pb.start();
    started.add(p);
    return p;
  }

  /** An operation of {@code type} on host demo failed node_lost, its fence open: what the sweep leaves of a lost run. */
  static void lostOperationWithOpenFence(String id, String type) throws Exception {
    try (Connection c = TestDatabase.start().getPostgresDatabase().getConnection()) {
      try (PreparedStatement st = c.prepareStatement("INSERT INTO operations (id, host_id, type, status, created_by, node_id, completed_at) "
          + "VALUES (?::uuid, 'demo', ?, 'failed', 'user', 'node-gone', now())")) {
        st.setString(1, id);
        st.setString(2, type);
        st.executeUpdate();
      }
      try (PreparedStatement st = c.prepareStatement("INSERT INTO operation_fences (operation_id, host_id, type) VALUES (?::uuid, 'demo', ?)")) {
        st.setString(1, id);
        st.setString(2, type);
        st.executeUpdate();
      }
    }
  }

  List<JsonObject> updatesOf(String opId) {
    return updates.stream().filter(u -> opId.equals(u.getString("id"))).toList();
  }

  @Test
  void aStartWaitsForTheLostRunsCommandToBeStoppedThenRuns() throws Exception {
    OpsHarness.deployOperations(vertx, quietNode("node-a", Duration.ofSeconds(60)));
    String lost = UUID.randomUUID().toString();
    // the lost run's command, with a child, as a shell script leaves it
    Process tree = taggedCommand(lost, "sleep 61.25 & sleep 61.5; wait");
    lostOperationWithOpenFence(lost, "deploy");

    JsonObject answer = result(request(vertx, Addresses.OPS_START, new JsonObject().put("hostId", "demo").put("type", "deploy"), OPERATOR));
    assertThat(answer.getString("status")).isEqualTo("waiting_for_previous");
    assertThat(answer.getString("waitingFor")).isEqualTo(lost);
    String id = answer.getString("operationId");
    until("the wait is told", WAIT, () -> updatesOf(id).stream().anyMatch(u -> String.valueOf(u.getString("message")).startsWith("waiting for the command")));
    // the tree was alive whenever the new run might have started
    AtomicReference<Boolean> aliveWhenRunning = new AtomicReference<>();
    vertx.eventBus().<JsonObject>consumer(Addresses.OPS_UPDATES_HOST.format("demo"), m -> {
      if (id.equals(m.body().getString("id")) && "in_progress".equals(m.body().getString("status")) && aliveWhenRunning.get() == null) {
        aliveWhenRunning.set(tree.isAlive() || tree.descendants().anyMatch(ProcessHandle::isAlive));
      }
    });
    assertThat(tree.isAlive()).isTrue();
    assertThat(updatesOf(id)).noneMatch(u -> "in_progress".equals(u.getString("status")));

    // another node sweeps: it works the open fence
    OpsHarness.deployOperations(vertx, quietNode("node-b", Duration.ofSeconds(60)));
    until("the new run completed", WAIT, () -> updatesOf(id).stream().anyMatch(u -> "completed".equals(u.getString("status"))));
    assertThat(tree.isAlive()).as("the lost run's command is stopped on the host").isFalse();
    assertThat(aliveWhenRunning.get()).as("the lost run's command was gone before the new one ran").isFalse();
    assertThat(updatesOf(id).stream().map(u -> u.getString("message")).toList()).contains("the previous run's command is stopped: starting");
  }

  @Test
  void theFenceStopsOnlyTheTaggedProcessesAndSaysWhenNothingWasLeft() throws Exception {
    String tag = UUID.randomUUID().toString();
    Process tagged = taggedCommand(tag, "sleep 62.25 & sleep 62.5; wait");
    Process other = taggedCommand(UUID.randomUUID().toString(), "sleep 62.75");
    JsonObject first = result(vertx.eventBus().<JsonObject>request(Addresses.SSH_EXEC_FENCE,
        new JsonObject().put("hostId", "demo").put("execId", tag))).body();
    assertThat(first.getString("outcome")).isEqualTo("killed");
    until("the tagged tree is gone", WAIT, () -> !tagged.isAlive());
    assertThat(other.isAlive()).as("a process of another command is left alone").isTrue();
    JsonObject again = result(vertx.eventBus().<JsonObject>request(Addresses.SSH_EXEC_FENCE,
        new JsonObject().put("hostId", "demo").put("execId", tag))).body();
    assertThat(again.getString("outcome")).isEqualTo("gone");
  }

  @Test
  void aFenceNobodyConfirmsHoldsTheStartOnlyUntilTheFencingTimeout() throws Exception {
    OpsHarness.deployOperations(vertx, quietNode("node-a", Duration.ofSeconds(2)));
    String lost = UUID.randomUUID().toString();
    lostOperationWithOpenFence(lost, "deploy");
    JsonObject answer = result(request(vertx, Addresses.OPS_START, new JsonObject().put("hostId", "demo").put("type", "deploy"), ADMIN));
    assertThat(answer.getString("status")).isEqualTo("waiting_for_previous");
    String id = answer.getString("operationId");
    until("the new run completed", WAIT, () -> updatesOf(id).stream().anyMatch(u -> "completed".equals(u.getString("status"))));
    assertThat(updatesOf(id).stream().map(u -> u.getString("message")).toList())
        .contains("the previous run's command was not confirmed gone within 2 s: starting anyway");
  }

  @Test
  void aCancelWhileWaitingEndsTheStartAtOnce() throws Exception {
    OpsHarness.deployOperations(vertx, quietNode("node-a", Duration.ofSeconds(60)));
    String lost = UUID.randomUUID().toString();
    lostOperationWithOpenFence(lost, "deploy");
    String id = result(request(vertx, Addresses.OPS_START, new JsonObject().put("hostId", "demo").put("type", "deploy"), OPERATOR))
        .getString("operationId");
    result(request(vertx, Addresses.OPS_CANCEL, new JsonObject().put("operationId", id), OPERATOR));
    until("cancelled", WAIT, () -> updatesOf(id).stream().anyMatch(u -> "cancelled".equals(u.getString("status"))));
    assertThat(updatesOf(id)).noneMatch(u -> "in_progress".equals(u.getString("status")));
  }
}
