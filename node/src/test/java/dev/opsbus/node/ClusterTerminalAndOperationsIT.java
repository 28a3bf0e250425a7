package dev.opsbus.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes in separate JVMs, one cluster, one database: a terminal hosted on node A is joined from
 * node B; an operation started over HTTP is watched live through the bridge of the other node;
 * and when the node running an operation is killed, the survivor fails it with node_lost; a user
 * deleted on node A loses the sockets he holds on node B within 5 s.
 */
class ClusterTerminalAndOperationsIT {

  private static final Duration START = Duration.ofSeconds(90);
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  Path tmp;

  Vertx client;

  @BeforeEach
  void setUp() {
    TestDatabase.reset();
    client = Vertx.vertx();
  }

  @AfterEach
  void tearDown() throws Exception {
    client.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private NodeProcess start(String name, String cluster, String... extra) {
    String[] common = {"--cluster", "--cluster-name", cluster, "--http-port", "0", "--http-host", "127.0.0.1",
        "--pg-url", TestDatabase.url(), "--data-dir", name};
    return NodeProcess.start(name, tmp, Stream.concat(Stream.of(common), Stream.of(extra)).toArray(String[]::new));
  }

  private static String adminPassword(NodeProcess... nodes) {
    for (NodeProcess n : nodes) {
      Matcher m = NodeClient.GENERATED_ADMIN.matcher(n.output());
      if (m.find()) {
        return m.group(1);
      }
    }
    throw new AssertionError("no node logged the generated admin password");
  }

  @Test
  void aTerminalHostedOnNodeAIsJoinedFromNodeB() throws Exception {
    String cluster = "it-" + UUID.randomUUID().toString().substring(0, 8);
    try (NodeProcess a = start("term-a", cluster, "--demo");
         NodeProcess b = start("term-b", cluster, "--verticles", "gateway,metrics,operations")) {
      int portA = Integer.parseInt(a.awaitLine(NodeProcess.LISTENING, START).group(2));
      int portB = Integer.parseInt(b.awaitLine(NodeProcess.LISTENING, START).group(2));
      a.awaitLine(Pattern.compile("cluster has 2 members"), START);
      b.awaitLine(Pattern.compile("cluster has 2 members"), START);
      NodeClient onA = new NodeClient(portA);
      NodeClient onB = new NodeClient(portB);
      String admin = onA.login("admin", adminPassword(a, b));
      String viewer = onA.user(admin, "vera", List.of("viewer"), List.of("demo"));

      NodeClient.Answer opened = onA.post("/api/hosts/demo/terminals", new JsonObject().put("cols", 100).put("rows", 30), admin);
      assertThat(opened.status()).as(opened.body()).isEqualTo(201);
      String sid = opened.json().getString("sessionId");
      try (TermClient driver = TermClient.connect(client, portA, sid, admin)) {
        driver.attached(WAIT);
        driver.type("echo before-join\r");
        driver.awaitLine("before-join", WAIT);

        NodeClient.Answer joined = onB.post("/api/terminals/" + sid + "/join", new JsonObject().put("mode", "view"), viewer);
        assertThat(joined.status()).as(joined.body()).isEqualTo(200);
        try (TermClient watcher = TermClient.connect(client, portB, sid, viewer)) {
          assertThat(watcher.attached(WAIT).getString("role")).isEqualTo("viewer");
          watcher.awaitLine("before-join", WAIT);
          driver.type("echo typed-on-a\r");
          watcher.awaitLine("typed-on-a", WAIT);
        }
      }
    }
  }

  @Test
  void aUserDeletedOnNodeALosesHisBridgeAndTerminalSocketsOnNodeBWithinFiveSeconds() throws Exception {
    Duration bound = Duration.ofSeconds(5);
    String cluster = "it-" + UUID.randomUUID().toString().substring(0, 8);
    try (NodeProcess a = start("rev-a", cluster, "--demo");
         NodeProcess b = start("rev-b", cluster, "--verticles", "gateway,metrics,operations")) {
      int portA = Integer.parseInt(a.awaitLine(NodeProcess.LISTENING, START).group(2));
      int portB = Integer.parseInt(b.awaitLine(NodeProcess.LISTENING, START).group(2));
      a.awaitLine(Pattern.compile("cluster has 2 members"), START);
      b.awaitLine(Pattern.compile("cluster has 2 members"), START);
      NodeClient onA = new NodeClient(portA);
      NodeClient onB = new NodeClient(portB);
      String admin = onA.login("admin", adminPassword(a, b));
      String rita = onA.user(admin, "rita", List.of("operator"), List.of("demo"));

      NodeClient.Answer opened = onA.post("/api/hosts/demo/terminals", new JsonObject().put("cols", 100).put("rows", 30), rita);
      assertThat(opened.status()).as(opened.body()).isEqualTo(201);
      String sid = opened.json().getString("sessionId");
      try (TermClient term = TermClient.connect(client, portB, sid, rita);
           NodeClient.Bridge bridge = onB.bridge(rita)) {
        term.attached(WAIT);
        term.type("echo typed-through-b\r");
        term.awaitLine("typed-through-b", WAIT);
        bridge.register("ops.updates.host.demo");

        assertThat(onA.delete("/api/users/rita", admin).status()).isEqualTo(204);

        JsonObject err = bridge.next(f -> "err".equals(f.getString("type")), bound);
        assertThat(err.getString("failureType")).as(err.encode()).isEqualTo("token_revoked");
        assertThat(bridge.awaitClosed(bound)).isEqualTo(1008);
        JsonObject why = term.awaitControl(c -> "error".equals(c.getString("type")), bound);
        assertThat(why.getString("code")).as(why.encode()).isEqualTo("token_revoked");
        term.awaitClosed(bound);
      }
      NodeClient.Answer onOther = onB.get("/api/me", rita);
      assertThat(onOther.status()).isEqualTo(401);
      assertThat(onOther.json().getString("error")).isEqualTo("token_revoked");
    }
  }

  @Test
  void operationsAreWatchedLiveAcrossNodesAndAKilledOwnersOperationEndsNodeLost() throws Exception {
    Path config = tmp.resolve("opsbus.json");
    Files.writeString(config, new JsonObject().put("operations", new JsonObject().put("commands", List.of(
        new JsonObject().put("name", "sleeper").put("command", "echo started; sleep 40").put("roles", List.of("operator"))))).encode());
    String cluster = "it-" + UUID.randomUUID().toString().substring(0, 8);
    try (NodeProcess a = start("ops-a", cluster, "--demo", "--config", config.toString());
         NodeProcess b = start("ops-b", cluster, "--config", config.toString())) {
      Matcher la = a.awaitLine(NodeProcess.LISTENING, START);
      Matcher lb = b.awaitLine(NodeProcess.LISTENING, START);
      String idA = la.group(1);
      int portA = Integer.parseInt(la.group(2));
      int portB = Integer.parseInt(lb.group(2));
      a.awaitLine(Pattern.compile("cluster has 2 members"), START);
      NodeClient onA = new NodeClient(portA);
      NodeClient onB = new NodeClient(portB);
      String admin = onA.login("admin", adminPassword(a, b));
      String viewer = onA.user(admin, "vic", List.of("viewer"), List.of("demo"));

      // refusals, with the field named
      assertThat(onA.post("/api/hosts/nowhere/operations", new JsonObject().put("type", "ssh_test"), admin).status()).isEqualTo(404);
      NodeClient.Answer badParam = onA.post("/api/hosts/demo/operations", new JsonObject().put("type", "service_restart")
          .put("params", new JsonObject().put("service", "nginx; reboot")), admin);
      assertThat(badParam.status()).isEqualTo(400);
      assertThat(badParam.json().getString("message")).contains("params.service");
      assertThat(onA.post("/api/hosts/demo/operations", new JsonObject().put("type", "ssh_test"), viewer).status()).isEqualTo(403);

      // an ssh_test started over HTTP on A, watched through the bridge of B, from pending to completed
      try (NodeClient.Bridge watch = onB.bridge(viewer)) {
        watch.register("ops.updates.host.demo");
        NodeClient.Answer started = onA.post("/api/hosts/demo/operations", new JsonObject().put("type", "ssh_test"), admin);
        assertThat(started.status()).as(started.body()).isEqualTo(202);
        String id = started.json().getString("operationId");
        JsonObject first = watch.next(f -> "rec".equals(f.getString("type")) && id.equals(f.getJsonObject("body").getString("id")), WAIT);
        assertThat(first.getJsonObject("body").getString("status")).isIn("pending", "in_progress");
        JsonObject done = watch.next(f -> "rec".equals(f.getString("type")) && id.equals(f.getJsonObject("body").getString("id"))
            && !List.of("pending", "in_progress").contains(f.getJsonObject("body").getString("status")), WAIT);
        assertThat(done.getJsonObject("body").getString("status")).as(done.encode()).isEqualTo("completed");
        assertThat(done.getJsonObject("body").getInteger("progress")).isEqualTo(100);
      }

      // a long one; a second start attaches to it
      NodeClient.Answer sleeper = onA.post("/api/hosts/demo/operations", new JsonObject().put("type", "sleeper"), admin);
      String id = sleeper.json().getString("operationId");
      NodeClient.Answer again = onB.post("/api/hosts/demo/operations", new JsonObject().put("type", "sleeper"), admin);
      assertThat(again.json().getString("status")).isEqualTo("already_running");
      assertThat(again.json().getString("operationId")).isEqualTo(id);

      // kill -9 the node that runs it; the other one must end it node_lost within 30 s
      String owner = sleeper.json().getJsonObject("operation").getString("nodeId");
      boolean ownerIsA = owner.equals(idA);
      NodeProcess victim = ownerIsA ? a : b;
      NodeClient survivor = ownerIsA ? onB : onA;
      String survivorAdmin = survivor.login("admin", adminPassword(a, b));
      Instant killed = Instant.now();
      victim.kill();
      JsonObject op = null;
      while (Duration.between(killed, Instant.now()).compareTo(Duration.ofSeconds(60)) < 0) {
        NodeClient.Answer got;
        try {
          got = survivor.get("/api/operations/" + id, survivorAdmin);
        } catch (java.net.http.HttpTimeoutException e) {
          // until the cluster drops the dead member, a request may wait on its consumers: ask again
          continue;
        }
        if (got.status() == 200) {
          op = got.json();
          if ("failed".equals(op.getString("status"))) {
            break;
          }
        }
        synchronized (this) {
          wait(250);
        }
      }
      assertThat(op.getString("status")).as(String.valueOf(op)).isEqualTo("failed");
      assertThat(op.getString("error")).contains("node_lost");
      assertThat(Duration.between(killed, Instant.parse(op.getString("completedAt")))).isLessThan(Duration.ofSeconds(30));
      NodeClient.Answer next = survivor.post("/api/hosts/demo/operations", new JsonObject().put("type", "sleeper"), survivorAdmin);
      assertThat(next.status()).isEqualTo(202);
      // the lost operation's fence may still be open (its command not yet confirmed gone): then the
      // start is accepted and waits for it, as the rules say
      assertThat(next.json().getString("status")).as(next.json().encode()).isIn("started", "waiting_for_previous");
      if ("waiting_for_previous".equals(next.json().getString("status"))) {
        assertThat(next.json().getString("waitingFor")).isEqualTo(op.getString("id"));
      }
    }
  }
}
