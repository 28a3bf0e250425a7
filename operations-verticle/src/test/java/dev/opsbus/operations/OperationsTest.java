package dev.opsbus.operations;

import static dev.opsbus.operations.OpsHarness.ADMIN;
import static dev.opsbus.operations.OpsHarness.OPERATOR;
import static dev.opsbus.operations.OpsHarness.VIEWER;
import static dev.opsbus.operations.OpsHarness.request;
import static dev.opsbus.operations.OpsHarness.result;
import static dev.opsbus.operations.OpsHarness.until;
import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.wire.ExecEvent;
import dev.opsbus.model.wire.ExecOutcome;
import dev.opsbus.model.wire.ExecRequest;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Operations on one node, run for real on an SSH server through the relay. */
class OperationsTest {

  static final Duration WAIT = Duration.ofSeconds(40);

  Vertx vertx;
  final List<JsonObject> updates = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() {
    TestDatabase.reset();
    vertx = Vertx.vertx();
    OpsHarness.registerDemoHost(vertx);
    OpsHarness.deployRelay(vertx, "node-a");
    OpsHarness.deployOperations(vertx, OpsHarness.config("node-a", List.of(
        OpsHarness.command("fail_cmd", "echo about to fail; echo boom >&2; exit 3"),
        OpsHarness.command("sleeper", "echo sleeping; sleep 37.25; echo woke"),
        OpsHarness.command("counter", "for i in 1 2 3 4 5 6 7 8; do echo line$i; sleep 0.3; done"))));
    MessageConsumer<JsonObject> c = vertx.eventBus().consumer(Addresses.OPS_UPDATES_HOST.format("demo"), m -> updates.add(m.body()));
    result(c.completion());
  }

  @AfterEach
  void stop() {
    result(vertx.close());
  }

  JsonObject start(String type, JsonObject params) {
    return result(request(vertx, Addresses.OPS_START, new JsonObject().put("hostId", "demo").put("type", type).put("params", params), OPERATOR));
  }

  List<JsonObject> updatesOf(String opId) {
    return updates.stream().filter(u -> opId.equals(u.getString("id"))).toList();
  }

  JsonObject awaitFinished(String opId) {
    until("operation " + opId + " finished", WAIT, () -> updatesOf(opId).stream().anyMatch(u -> !List.of("pending", "in_progress").contains(u.getString("status"))));
    List<JsonObject> mine = updatesOf(opId);
    return mine.get(mine.size() - 1);
  }

  @Test
  void sshTestGoesFromPendingToCompletedWithProgressInVersionOrder() {
    JsonObject started = start("ssh_test", new JsonObject());
    assertThat(started.getString("status")).isEqualTo("started");
    String id = started.getString("operationId");
    JsonObject last = awaitFinished(id);
    assertThat(last.getString("status")).isEqualTo("completed");
    assertThat(last.getInteger("progress")).isEqualTo(100);
    List<JsonObject> mine = updatesOf(id);
    assertThat(mine.get(0).getString("status")).isEqualTo("pending");
    for (int i = 0; i < mine.size(); i++) {
      assertThat(mine.get(i).getLong("version")).as("versions in order, none missing").isEqualTo(i + 1L);
    }
    assertThat(mine.stream().map(u -> u.getString("message")).toList()).anyMatch(m -> m != null && m.contains("connected as"));
    assertThat(mine.stream().map(u -> u.getInteger("progress")).toList()).isSorted();
    assertThat(last.getString("createdBy")).isEqualTo("user");
    assertThat(last.getString("requestedBy")).isEqualTo("otto");
  }

  @Test
  void aSecondStartForTheSameHostAndTypeAttachesToTheFirst() {
    JsonObject first = start("sleeper", new JsonObject());
    JsonObject second = start("sleeper", new JsonObject());
    assertThat(second.getString("status")).isEqualTo("already_running");
    assertThat(second.getString("operationId")).isEqualTo(first.getString("operationId"));
    result(request(vertx, Addresses.OPS_CANCEL, new JsonObject().put("operationId", first.getString("operationId")), ADMIN));
    awaitFinished(first.getString("operationId"));
  }

  @Test
  void aFailingCommandEndsFailedWithItsErrorText() {
    String id = start("fail_cmd", new JsonObject()).getString("operationId");
    JsonObject last = awaitFinished(id);
    assertThat(last.getString("status")).isEqualTo("failed");
    assertThat(last.getString("error")).contains("exit status 3").contains("boom");
  }

  @Test
  void cancelEndsCancelledAndKillsTheRemoteCommand() {
    String id = start("sleeper", new JsonObject()).getString("operationId");
    until("running", WAIT, () -> updatesOf(id).stream().anyMatch(u -> "sleeping".equals(u.getString("message"))));
    JsonObject answer = result(request(vertx, Addresses.OPS_CANCEL, new JsonObject().put("operationId", id), OPERATOR));
    assertThat(answer.getString("operationId")).isEqualTo(id);
    JsonObject last = awaitFinished(id);
    assertThat(last.getString("status")).isEqualTo("cancelled");
    // the remote sleep is gone: nothing on the host runs it any more
    List<String> lines = new CopyOnWriteArrayList<>();
    String execId = "check-" + System.nanoTime();
    MessageConsumer<JsonObject> c = vertx.eventBus().consumer(Addresses.SSH_EXEC_STREAM.format(execId), m -> {
      ExecEvent ev = ExecEvent.fromJson(m.body());
      if (ev instanceof ExecEvent.Output out) {
        lines.add(out.line());
      } else if (ev instanceof ExecEvent.Exit) {
        lines.add("EXIT");
      }
    });
    result(c.completion());
    result(vertx.eventBus().request(Addresses.SSH_EXEC,
        new ExecRequest("demo", execId, "ps -eo args | grep -c '[s]leep 37.25' || true", Map.of(), 20_000).toJson()));
    until("check finished", WAIT, () -> lines.contains("EXIT"));
    assertThat(lines.get(0).trim()).isEqualTo("0");
  }

  @Test
  void aCancelRightAfterTheStartStopsTheCommandOnTheHostWhereverTheRelayWas() {
    // the exec requests as they leave for the relay: a run waits for a burst of starts to be
    // answered (RunSlots), so the cancel is sent once the request is out, not before it could be
    java.util.Set<String> sent = java.util.concurrent.ConcurrentHashMap.newKeySet();
    io.vertx.core.Handler<io.vertx.core.eventbus.DeliveryContext<Object>> watch = ctx -> {
      if (ctx.message().address().endsWith(Addresses.SSH_EXEC) && ctx.message().body() instanceof JsonObject body) {
        sent.add(String.valueOf(body.getString("execId")));
      }
      ctx.next();
    };
    vertx.eventBus().addOutboundInterceptor(watch);
    for (int i = 0; i < 5; i++) {
      String id = start("sleeper", new JsonObject()).getString("operationId");
      // the relay's own account of the command (its exec id is the operation's id)
      List<ExecEvent.Exit> exits = new CopyOnWriteArrayList<>();
      MessageConsumer<JsonObject> c = vertx.eventBus().consumer(Addresses.SSH_EXEC_STREAM.format(id), m -> {
        if (ExecEvent.fromJson(m.body()) instanceof ExecEvent.Exit exit) {
          exits.add(exit);
        }
      });
      result(c.completion());
      until("the exec request went out", WAIT, () -> sent.contains(id));
      // no wait for "running": the cancel lands while the relay connects, or before it has the command
      result(request(vertx, Addresses.OPS_CANCEL, new JsonObject().put("operationId", id), OPERATOR));
      assertThat(awaitFinished(id).getString("status")).isEqualTo("cancelled");
      // whether the cancel found the command connecting or running, the relay ends it and says how
      until("the relay ended the command", WAIT, () -> !exits.isEmpty());
      assertThat(exits.get(0).outcome()).as("the command was stopped, not left to run").isEqualTo(ExecOutcome.CANCELLED);
      until("no sleeper left on the host", WAIT,
          () -> ProcessHandle.allProcesses().noneMatch(p -> p.info().commandLine().orElse("").endsWith("sleep 37.25")));
      result(c.unregister());
    }
    vertx.eventBus().removeOutboundInterceptor(watch);
  }

  @Test
  void aSubscriberThatDropsAndResumesWithItsLastSeqMissesNothingAndSeesNothingTwice() {
    String id = start("counter", new JsonObject()).getString("operationId");
    // a client watching from the start, that goes away after a few updates
    until("a few updates", WAIT, () -> updatesOf(id).size() >= 3);
    List<JsonObject> seen = new ArrayList<>(updatesOf(id).subList(0, 3));
    long lastSeq = seen.get(2).getLong("seq");
    // ... and comes back later: subscribe again first, then catch up from its last seq
    List<JsonObject> live = new CopyOnWriteArrayList<>();
    MessageConsumer<JsonObject> again = vertx.eventBus().consumer(Addresses.OPS_UPDATES_HOST.format("demo"), m -> live.add(m.body()));
    result(again.completion());
    JsonObject catchUp = result(request(vertx, Addresses.OPS_LIST, new JsonObject().put("hostId", "demo").put("sinceSeq", lastSeq), VIEWER));
    Map<Long, JsonObject> bySeq = new TreeMap<>();
    seen.forEach(u -> bySeq.put(u.getLong("seq"), u));
    for (Object o : catchUp.getJsonArray("changes")) {
      JsonObject ch = (JsonObject) o;
      assertThat(bySeq).as("catch-up repeats nothing seen").doesNotContainKey(ch.getLong("seq"));
      bySeq.put(ch.getLong("seq"), ch);
    }
    until("finished, live", WAIT, () -> live.stream().anyMatch(u -> id.equals(u.getString("id")) && "completed".equals(u.getString("status")))
        || bySeq.values().stream().anyMatch(u -> "completed".equals(u.getString("status"))));
    for (JsonObject u : live) {
      bySeq.putIfAbsent(u.getLong("seq"), u);
    }
    List<Long> versions = bySeq.values().stream().filter(u -> id.equals(u.getString("id"))).map(u -> u.getLong("version")).toList();
    List<Long> expected = new ArrayList<>();
    for (long v = 1; v <= versions.size(); v++) {
      expected.add(v);
    }
    assertThat(versions).as("every version once, in order").isEqualTo(expected);
    assertThat(bySeq.values().stream().filter(u -> id.equals(u.getString("id"))).reduce((a, b) -> b).orElseThrow().getString("status")).isEqualTo("completed");
  }

  @Test
  void refusalsComeBackWithCodes() {
    assertThat(OpsHarness.failureCode(request(vertx, Addresses.OPS_START, new JsonObject().put("hostId", "nowhere").put("type", "ssh_test"), ADMIN)))
        .isEqualTo(ErrorCode.NOT_FOUND.failureCode());
    var badParam = request(vertx, Addresses.OPS_START, new JsonObject().put("hostId", "demo").put("type", "service_restart")
        .put("params", new JsonObject().put("service", "nginx; reboot")), ADMIN);
    assertThat(OpsHarness.failureMessage(badParam)).contains("params.service");
    assertThat(OpsHarness.failureCode(request(vertx, Addresses.OPS_START, new JsonObject().put("hostId", "demo").put("type", "service_restart")
        .put("params", new JsonObject()), ADMIN))).isEqualTo(ErrorCode.INVALID_REQUEST.failureCode());
    assertThat(OpsHarness.failureCode(request(vertx, Addresses.OPS_START, new JsonObject().put("hostId", "demo").put("type", "ssh_test"), VIEWER)))
        .isEqualTo(ErrorCode.ACCESS_DENIED.failureCode());
    assertThat(OpsHarness.failureCode(request(vertx, Addresses.OPS_START, new JsonObject().put("hostId", "demo").put("type", "no_such_type"), ADMIN)))
        .isEqualTo(ErrorCode.INVALID_REQUEST.failureCode());
  }

  @Test
  void typesListTheirParametersAndWhetherTheCallerMayStartThem() {
    JsonArray asViewer = result(request(vertx, Addresses.OPS_TYPES, new JsonObject(), VIEWER)).getJsonArray("types");
    JsonArray asOperator = result(request(vertx, Addresses.OPS_TYPES, new JsonObject(), OPERATOR)).getJsonArray("types");
    assertThat(asViewer.stream().map(t -> ((JsonObject) t).getString("name")).toList())
        .contains("ssh_test", "service_restart", "certificate_renewal", "fail_cmd", "sleeper", "counter");
    assertThat(asViewer.stream().map(JsonObject.class::cast).allMatch(t -> !t.getBoolean("mayStart"))).isTrue();
    JsonObject restart = asOperator.stream().map(JsonObject.class::cast).filter(t -> "service_restart".equals(t.getString("name"))).findFirst().orElseThrow();
    assertThat(restart.getBoolean("mayStart")).isTrue();
    assertThat(restart.getJsonArray("params").getJsonObject(0).getString("name")).isEqualTo("service");
  }

  @Test
  void historyListsNewestFirstAndTheSameIdempotencyKeyStartsOnce() {
    JsonObject a = result(request(vertx, Addresses.OPS_START, new JsonObject().put("hostId", "demo").put("type", "ssh_test").put("idempotencyKey", "k-1"), ADMIN));
    JsonObject b = result(request(vertx, Addresses.OPS_START, new JsonObject().put("hostId", "demo").put("type", "ssh_test").put("idempotencyKey", "k-1"), ADMIN));
    assertThat(b.getString("operationId")).isEqualTo(a.getString("operationId"));
    awaitFinished(a.getString("operationId"));
    String second = start("fail_cmd", new JsonObject()).getString("operationId");
    awaitFinished(second);
    JsonArray history = result(request(vertx, Addresses.OPS_LIST, new JsonObject().put("hostId", "demo"), VIEWER)).getJsonArray("operations");
    assertThat(history.getJsonObject(0).getString("id")).isEqualTo(second);
    assertThat(history.getJsonObject(1).getString("id")).isEqualTo(a.getString("operationId"));
    JsonArray failedOnly = result(request(vertx, Addresses.OPS_LIST, new JsonObject().put("hostId", "demo").put("status", "failed"), VIEWER)).getJsonArray("operations");
    assertThat(failedOnly.size()).isEqualTo(1);
  }
}
