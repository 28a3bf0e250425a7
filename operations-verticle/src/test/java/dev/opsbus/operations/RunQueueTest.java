package dev.opsbus.operations;

import static dev.opsbus.operations.OpsHarness.ADMIN;
import static dev.opsbus.operations.OpsHarness.OPERATOR;
import static dev.opsbus.operations.OpsHarness.failureCode;
import static dev.opsbus.operations.OpsHarness.failureMessage;
import static dev.opsbus.operations.OpsHarness.request;
import static dev.opsbus.operations.OpsHarness.result;
import static dev.opsbus.operations.OpsHarness.until;
import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Starts beyond what the node runs at once are accepted and wait, pending, for a run slot, in the
 * order they were accepted; past the queue's bound a start is refused {@code unavailable} and
 * nothing is written. Distinct (host, type) pairs here are one host and several types.
 */
class RunQueueTest {

  static final Duration WAIT = Duration.ofSeconds(40);

  Vertx vertx;
  final List<JsonObject> updates = new CopyOnWriteArrayList<>();

  /** Where the commands write when they begin and end (the demo host runs them on this machine). */
  Path trace;

  void deploy(int maxRunning, int maxQueued) throws Exception {
    trace = Files.createTempFile("run-queue", ".trace");
    String t = trace.toAbsolutePath().toString();
    OpsHarness.deployOperations(vertx, OpsHarness.config("node-a", List.of(
        OpsHarness.command("first", "echo begin first >> " + t + "; sleep 1.5; echo end first >> " + t),
        OpsHarness.command("second", "echo begin second >> " + t + "; sleep 0.2; echo end second >> " + t),
        OpsHarness.command("third", "echo begin third >> " + t + "; echo end third >> " + t),
        OpsHarness.command("slow", "sleep 37.25"))).withRunLimits(maxRunning, maxQueued));
  }

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
    result(vertx.close());
  }

  JsonObject start(String type) {
    return result(request(vertx, Addresses.OPS_START, new JsonObject().put("hostId", "demo").put("type", type), OPERATOR));
  }

  List<JsonObject> updatesOf(String opId) {
    return updates.stream().filter(u -> opId.equals(u.getString("id"))).toList();
  }

  boolean ended(String opId) {
    return updatesOf(opId).stream().anyMatch(u -> !List.of("pending", "in_progress").contains(u.getString("status")));
  }

  /** When the operation's first in_progress change was published (its command went to the relay), as its place in the stream. */
  int firstRunning(String opId) {
    for (int i = 0; i < updates.size(); i++) {
      JsonObject u = updates.get(i);
      if (opId.equals(u.getString("id")) && "in_progress".equals(u.getString("status"))) {
        return i;
      }
    }
    return -1;
  }

  @Test
  void startsBeyondTheRunSlotsAreAcceptedAndRunInOrderAsSlotsFree() throws Exception {
    deploy(1, 10);
    JsonObject a = start("first");
    JsonObject b = start("second");
    JsonObject c = start("third");
    assertThat(List.of(a, b, c)).allSatisfy(s -> assertThat(s.getString("status")).isEqualTo("started"));
    String ida = a.getString("operationId");
    String idb = b.getString("operationId");
    String idc = c.getString("operationId");
    until("all three ended", WAIT, () -> ended(ida) && ended(idb) && ended(idc));
    for (String id : List.of(ida, idb, idc)) {
      assertThat(updatesOf(id).get(updatesOf(id).size() - 1).getString("status")).as(id).isEqualTo("completed");
    }
    // one slot: the second ran only after the first had ended, the third after the second
    assertThat(Files.readAllLines(trace)).containsExactly("begin first", "end first", "begin second", "end second", "begin third", "end third");
  }

  @Test
  void aQueuedOperationCancelledEndsAtOnceAndTheNextOneStillRuns() throws Exception {
    deploy(1, 10);
    String slow = start("slow").getString("operationId");
    String waiting = start("second").getString("operationId");
    String next = start("third").getString("operationId");
    JsonObject answer = result(request(vertx, Addresses.OPS_CANCEL, new JsonObject().put("operationId", waiting), OPERATOR));
    assertThat(answer.getString("operationId")).isEqualTo(waiting);
    until("the queued one ended", WAIT, () -> ended(waiting));
    assertThat(updatesOf(waiting).get(updatesOf(waiting).size() - 1).getString("status")).isEqualTo("cancelled");
    assertThat(firstRunning(waiting)).as("a queued operation never ran").isEqualTo(-1);
    result(request(vertx, Addresses.OPS_CANCEL, new JsonObject().put("operationId", slow), ADMIN));
    until("the next one ended", WAIT, () -> ended(next));
    assertThat(updatesOf(next).get(updatesOf(next).size() - 1).getString("status")).isEqualTo("completed");
  }

  @Test
  void aStartPastTheQueueBoundIsRefusedUnavailableAndWritesNothing() throws Exception {
    deploy(1, 1);
    String slow = start("slow").getString("operationId");
    assertThat(start("second").getString("status")).isEqualTo("started");
    var refused = request(vertx, Addresses.OPS_START, new JsonObject().put("hostId", "demo").put("type", "third"), OPERATOR);
    assertThat(failureCode(refused)).isEqualTo(ErrorCode.UNAVAILABLE.failureCode());
    assertThat(failureMessage(refused)).contains("maxQueued");
    assertThat(operationRows()).isEqualTo(2);
    // at the bound a start that finds its operation still answers with it: nothing new is admitted
    assertThat(start("slow").getString("status")).isEqualTo("already_running");
    assertThat(start("second").getString("status")).isEqualTo("already_running");
    result(request(vertx, Addresses.OPS_CANCEL, new JsonObject().put("operationId", slow), ADMIN));
    until("the slow one ended", WAIT, () -> ended(slow));
    // the slot and the admission are back once the slow one ended and the queued one ran
    until("room again", WAIT, () -> {
      try {
        return "started".equals(result(request(vertx, Addresses.OPS_START, new JsonObject().put("hostId", "demo").put("type", "third"), OPERATOR))
            .getString("status"));
      } catch (RuntimeException | AssertionError e) {
        return false;
      }
    });
  }

  private static long operationRows() throws Exception {
    try (Connection c = TestDatabase.start().getPostgresDatabase().getConnection();
        ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM operations")) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
