package dev.opsbus.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.operations.OperationsConfig;
import dev.opsbus.testkit.TestDatabase;
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
}
