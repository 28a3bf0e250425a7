package dev.opsbus.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the load generator for a couple of seconds with a handful of clients against each bench
 * server, so the harness cannot rot. It checks that deliveries are measured, never how fast.
 */
class BenchSmokeIT {

  private static Vertx vertx;

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopVertx() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void theGeneratorMeasuresDeliveriesFromTheRawBaseline() throws Exception {
    RawBroadcastServer server = new RawBroadcastServer("127.0.0.1", 0);
    String id = vertx.deployVerticle(server).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    try {
      int port = server.actualPort();
      assertMeasuresDeliveries(run("raw", port));
    } finally {
      vertx.undeploy(id).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void theGeneratorMeasuresDeliveriesFromTheSocketIoPeer() throws Exception {
    assumeTrue(onPath("node") && onPath("npm"),
        "node and npm are not on the PATH: the Socket.IO peer cannot run, its smoke test is skipped");
    Path dir = Path.of(System.getProperty("bench.socketio.dir", "peers/socketio")).toAbsolutePath();
    installPeer(dir);
    Process node = new ProcessBuilder("node", "--expose-gc", "server.js", "--port", "0")
        .directory(dir.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      assertThat(line).as("the peer's first line names its port").isNotNull();
      int port = new JsonObject(line).getInteger("listening");
      assertMeasuresDeliveries(run("socketio", port));
    } finally {
      node.destroy();
      node.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void theGeneratorMeasuresDeliveriesFromTheOpsbusBridge(@TempDir Path dataDir) throws Exception {
    String password = "smoke-admin-password";
    OpsbusBenchServer.Options defaults = OpsbusBenchServer.Options.defaults(password);
    OpsbusBenchServer.Options o = new OpsbusBenchServer.Options(defaults.host(), 0, 0, null, dataDir, password,
        defaults.queueBound(), defaults.maxConnectionsPerUser());
    try (OpsbusBenchServer server = OpsbusBenchServer.start(o)) {
      ControlClient control = new ControlClient(vertx, "http://127.0.0.1:" + server.controlPort());
      List<Integer> counted = new ArrayList<>();
      List<PointResult> results = run("opsbus", server.gatewayPort(), server.controlPort(), "admin", password,
          r -> counted.add(control.stats(false).toCompletionStage().toCompletableFuture().join().getInteger("clients")));
      assertMeasuresDeliveries(results);
      assertThat(counted).as("the gateway counts one bridge subscription per connected client").containsExactly(5);
      // the same frames as a browser sends them: SockJS's websocket transport, one session per client
      assertMeasuresDeliveries(run("sockjs", server.gatewayPort(), server.controlPort(), "admin", password, r -> { }));
      control.close();
    }
  }

  @Test
  void theLogLinesGeneratorCountsFramesBatchedAndUnbatched(@TempDir Path dataDir) throws Exception {
    String password = "smoke-admin-password";
    OpsbusBenchServer.Options defaults = OpsbusBenchServer.Options.defaults(password);
    OpsbusBenchServer.Options o = new OpsbusBenchServer.Options(defaults.host(), 0, 0, null, dataDir, password,
        defaults.queueBound(), defaults.maxConnectionsPerUser());
    try (OpsbusBenchServer server = OpsbusBenchServer.start(o)) {
      // 2 browsers, 500 lines/s for 1.5 s after 0.5 s of warm-up, in each mode
      LogLinesGenerator.Options lo = new LogLinesGenerator.Options(URI.create("ws://127.0.0.1:" + server.gatewayPort()),
          "http://127.0.0.1:" + server.controlPort(), "admin", password, "opsbus", 1, 2, List.of(500.0),
          List.of("batched", "unbatched"), LogLinePublisher.DEFAULT_SIZE, 0, 0.5, 1.5, 2, 0.2, -1);
      List<LogPointResult> results;
      try (LogLinesGenerator gen = new LogLinesGenerator(vertx, lo)) {
        results = gen.run(r -> { });
      }
      assertThat(results).hasSize(2);
      for (LogPointResult r : results) {
        assertThat(r.clientsConnected()).isEqualTo(2);
        assertThat(r.errors()).isZero();
        assertThat(r.disconnects()).isZero();
        assertThat(r.negativeLatencies()).isZero();
        assertThat(r.linesDelivered()).isPositive().isLessThanOrEqualTo(2 * r.linesExpectedPerClient());
        assertThat(r.p99Ms()).isNotNaN();
        assertThat(r.wireBytes()).isGreaterThan(r.payloadBytes());
      }
      LogPointResult batched = results.get(0);
      LogPointResult unbatched = results.get(1);
      assertThat(batched.mode()).isEqualTo("batched");
      assertThat(batched.maxLines()).isEqualTo(10);
      assertThat(batched.linesPerFrame()).isGreaterThan(1).isLessThanOrEqualTo(10);
      assertThat(unbatched.linesPerFrame()).isEqualTo(1.0);
      assertThat(batched.frames()).isLessThan(unbatched.frames());
    }
  }

  @Test
  void aPublisherOnlyNodeReachesClientsOfAnotherNodesGateway(@TempDir Path dataDir) throws Exception {
    String password = "smoke-admin-password";
    String cluster = "bench-smoke-" + java.util.UUID.randomUUID().toString().substring(0, 8);
    OpsbusBenchServer.Options d = OpsbusBenchServer.Options.defaults(password);
    OpsbusBenchServer.Options aOptions = new OpsbusBenchServer.Options(d.host(), 0, 0, null, dataDir.resolve("a"), password,
        d.queueBound(), d.maxConnectionsPerUser(), new OpsbusBenchServer.ClusterMode(cluster, true, 1));
    try (OpsbusBenchServer a = OpsbusBenchServer.start(aOptions)) {
      // B shares A's database, so it needs A's key files, as every node of a cluster does
      java.nio.file.Path bKeys = java.nio.file.Files.createDirectories(dataDir.resolve("b").resolve("keys"));
      for (String f : List.of("credentials.key", "jwt.key")) {
        java.nio.file.Files.copy(a.keysDir().resolve(f), bKeys.resolve(f));
      }
      OpsbusBenchServer.Options bOptions = new OpsbusBenchServer.Options(d.host(), 0, 0, a.pgUrl(), dataDir.resolve("b"),
          password, d.queueBound(), d.maxConnectionsPerUser(), new OpsbusBenchServer.ClusterMode(cluster, false, 2));
      try (OpsbusBenchServer b = OpsbusBenchServer.start(bOptions)) {
        assertThat(b.node().clusterSize()).isEqualTo(2);
        ControlClient controlA = new ControlClient(vertx, "http://127.0.0.1:" + a.controlPort());
        List<Integer> counted = new ArrayList<>();
        // clients on B's gateway, messages published on A
        List<PointResult> results = run("opsbus", b.gatewayPort(), a.controlPort(), "admin", password,
            r -> counted.add(controlA.stats(false).toCompletionStage().toCompletableFuture().join().getInteger("clients")));
        assertMeasuresDeliveries(results);
        assertThat(counted).as("node A reads node B's subscriptions").containsExactly(5);
        controlA.close();
      }
    }
  }

  private static List<PointResult> run(String protocol, int port) throws Exception {
    return run(protocol, port, port, null, null, r -> { });
  }

  private static List<PointResult> run(String protocol, int port, int controlPort, String user, String password,
      Consumer<PointResult> whileConnected) throws Exception {
    // 5 clients x 20 msg/s for 2 s after 0.5 s of warm-up. The generator's core-busy check is
    // turned off: build machines are shared, and this test checks measuring, not speed.
    LoadOptions base = LoadOptions.quick(protocol, URI.create("ws://127.0.0.1:" + port),
        "http://127.0.0.1:" + controlPort, 5, 100, 0.5, 2);
    LoadOptions o = new LoadOptions(base.protocol(), base.url(), base.controlUrl(), base.server(), base.scenario(),
        base.run(), base.clients(), base.connectRate(), base.warmupSeconds(), base.durationSeconds(),
        base.drainSeconds(), base.pauseSeconds(), base.loads(), base.size(), 0, 1000, 10_000, base.address(),
        null, user, password, -1, List.of(), 1, 60_000, 0);
    try (LoadGenerator gen = new LoadGenerator(vertx, o)) {
      return gen.runFanout(whileConnected);
    }
  }

  private static void assertMeasuresDeliveries(List<PointResult> results) {
    assertThat(results).hasSize(1);
    PointResult r = results.get(0);
    assertThat(r.clientsConnected()).isEqualTo(5);
    assertThat(r.delivered()).isPositive();
    assertThat(r.latencyCount()).isEqualTo(r.delivered());
    assertThat(r.p50Ms()).isNotNaN().isGreaterThanOrEqualTo(0);
    assertThat(r.errors()).isZero();
    assertThat(r.invalidFrames()).isZero();
    assertThat(r.disconnects()).isZero();
    assertThat(r.negativeLatencies()).as("server stamps are never in the client's future").isZero();
    assertThat(r.publishedInWindow()).isPositive();
    assertThat(r.firstError()).isNull();
  }

  /** npm ci on a fresh clone (the lock file pins versions); nothing when node_modules is there. */
  private static void installPeer(Path dir) throws IOException, InterruptedException {
    if (Files.isDirectory(dir.resolve("node_modules/socket.io"))) {
      return;
    }
    Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund")
        .directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    assertThat(npm.waitFor(5, TimeUnit.MINUTES)).as("npm ci finished within 5 minutes").isTrue();
    assertThat(npm.exitValue()).as("npm ci in " + dir).isZero();
  }

  private static boolean onPath(String command) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, command))) {
        return true;
      }
    }
    return false;
  }
}
