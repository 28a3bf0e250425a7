package dev.opsbus.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.operations.OperationsConfig;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Operations through the bridge only, as the console does: start one with a request frame, watch
 * it, drop the socket midway and come back with the last seq seen: the server replays exactly what
 * was missed before the live updates. No gap, no duplicate.
 */
class OperationsOverBridgeTest {

  static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  static Path dataDir;

  static OpsbusNode node;
  static NodeClient http;
  static String operator;

  @BeforeAll
  static void start() throws Exception {
    TestDatabase.reset();
    node = OpsbusNode.start(NodeSettings.builder().httpPort(0).httpHost("127.0.0.1").pgUrl(TestDatabase.url()).dataDir(dataDir)
        .demo(true).adminPassword("bridge-admin-pw")
        .operationCommands(List.of(new OperationsConfig.CommandOperation("counter",
            "for i in 1 2 3 4 5 6 7 8 9 10; do echo line$i; sleep 0.25; done", List.of(), List.of("operator"), Duration.ofSeconds(60))))
        .build());
    http = new NodeClient(node.httpPort());
    operator = http.user(http.login("admin", "bridge-admin-pw"), "opal", List.of("operator"), List.of("demo"));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  static boolean isUpdate(JsonObject f) {
    return "rec".equals(f.getString("type")) && "ops.updates.host.demo".equals(f.getString("address"));
  }

  @Test
  void startedOverTheBridgeAndResumedAfterADropItShowsEveryVersionOnce() throws Exception {
    Map<Long, JsonObject> bySeq = new TreeMap<>();
    String id;
    long lastSeq;
    try (NodeClient.Bridge first = http.bridge(operator)) {
      first.register("ops.updates.host.demo");
      first.send(new JsonObject().put("type", "send").put("address", "ops.start").put("replyAddress", "start-1")
          .put("body", new JsonObject().put("hostId", "demo").put("type", "counter")));
      JsonObject reply = first.next(f -> "start-1".equals(f.getString("address")), WAIT);
      assertThat(reply.getString("type")).as(reply.encode()).isEqualTo("rec");
      assertThat(reply.getJsonObject("body").getString("status")).isEqualTo("started");
      id = reply.getJsonObject("body").getString("operationId");
      // watch a few updates, then the socket drops
      for (int i = 0; i < 3; i++) {
        JsonObject u = first.next(f -> isUpdate(f) && id.equals(f.getJsonObject("body").getString("id")), WAIT).getJsonObject("body");
        bySeq.put(u.getLong("seq"), u);
      }
      lastSeq = bySeq.keySet().stream().max(Long::compare).orElseThrow();
    }
    // back, with the last seq seen: what was missed first, then live, until it ends
    try (NodeClient.Bridge again = http.bridge(operator)) {
      again.send(new JsonObject().put("type", "register").put("address", "ops.updates.host.demo")
          .put("headers", new JsonObject().put("sinceSeq", String.valueOf(lastSeq))));
      while (true) {
        JsonObject u = again.next(f -> isUpdate(f) && id.equals(f.getJsonObject("body").getString("id")), WAIT).getJsonObject("body");
        assertThat(bySeq).as("seq %s delivered twice", u.getLong("seq")).doesNotContainKey(u.getLong("seq"));
        bySeq.put(u.getLong("seq"), u);
        if (!List.of("pending", "in_progress").contains(u.getString("status"))) {
          break;
        }
      }
    }
    List<Long> versions = new ArrayList<>();
    bySeq.values().forEach(u -> versions.add(u.getLong("version")));
    for (int i = 0; i < versions.size(); i++) {
      assertThat(versions.get(i)).as("versions %s: every one once, in order", versions).isEqualTo(i + 1L);
    }
    assertThat(bySeq.values().stream().reduce((a, b) -> b).orElseThrow().getString("status")).isEqualTo("completed");

    // a fresh subscriber without a seq gets the current state first
    try (NodeClient.Bridge fresh = http.bridge(operator)) {
      fresh.register("ops.updates.host.demo");
      JsonObject state = fresh.next(f -> isUpdate(f) && id.equals(f.getJsonObject("body").getString("id")), WAIT).getJsonObject("body");
      assertThat(state.getString("status")).isEqualTo("completed");
      assertThat(state.getLong("version")).isEqualTo((long) versions.size());
    }
  }

  private static JsonObject ask(NodeClient.Bridge bridge, String address, JsonObject body, String reply) throws Exception {
    bridge.send(new JsonObject().put("type", "send").put("address", address).put("replyAddress", reply).put("body", body));
    return bridge.next(f -> reply.equals(f.getString("address")), WAIT);
  }

  @Test
  void badBodiesOverTheBridgeAreInvalidRequestsNamingTheFieldNeverInternalErrors() throws Exception {
    try (NodeClient.Bridge bridge = http.bridge(operator)) {
      List<Object[]> cases = List.of(
          new Object[] {"ops.list", new JsonObject().put("hostId", "demo").put("before", "garbage"), "before"},
          new Object[] {"ops.list", new JsonObject().put("hostId", 42), "hostId"},
          new Object[] {"ops.list", new JsonObject().put("hostId", "demo").put("limit", "ten"), "limit"},
          new Object[] {"ops.get", new JsonObject().put("operationId", 7), "operationId"},
          new Object[] {"ops.get", new JsonObject().put("operationId", "not-a-uuid"), "operationId"},
          new Object[] {"ops.cancel", new JsonObject().put("operationId", new JsonArray()), "operationId"});
      int n = 0;
      for (Object[] c : cases) {
        JsonObject answer = ask(bridge, (String) c[0], (JsonObject) c[1], "bad-" + n++);
        assertThat(answer.getString("type")).as("%s %s: %s", c[0], c[1], answer).isEqualTo("err");
        assertThat(answer.getString("failureType")).as("%s %s", c[0], c[1]).isEqualTo("invalid_request");
        assertThat(answer.getString("message")).contains((String) c[2]);
      }
    }
  }

  @Test
  void anotherUsersIdempotencyKeyOverTheBridgeStartsTheCallersOwnOperation() throws Exception {
    String admin = http.login("admin", "bridge-admin-pw");
    NodeClient.Answer admins = http.post("/api/hosts/demo/operations", new JsonObject().put("type", "counter").put("idempotencyKey", "deploy-X"), admin);
    assertThat(admins.status()).as(admins.body()).isEqualTo(202);
    String adminsId = admins.json().getString("operationId");
    try (NodeClient.Bridge bridge = http.bridge(operator)) {
      int n = 0;
      for (String key : List.of("deploy-X", "admin:deploy-X")) {
        JsonObject reply = ask(bridge, "ops.start", new JsonObject().put("hostId", "demo").put("type", "ssh_test").put("idempotencyKey", key),
            "idem-" + n++);
        assertThat(reply.getString("type")).as(reply.encode()).isEqualTo("rec");
        JsonObject op = reply.getJsonObject("body").getJsonObject("operation");
        assertThat(reply.getJsonObject("body").getString("operationId")).isNotEqualTo(adminsId);
        assertThat(op.getString("requestedBy")).isEqualTo("opal");
        assertThat(op.getString("operationType")).isEqualTo("ssh_test");
      }
    }
    NodeClient.Answer again = http.post("/api/hosts/demo/operations", new JsonObject().put("type", "counter").put("idempotencyKey", "deploy-X"), admin);
    assertThat(again.json().getString("operationId")).as("the admin's key still finds the admin's operation").isEqualTo(adminsId);
  }
}
