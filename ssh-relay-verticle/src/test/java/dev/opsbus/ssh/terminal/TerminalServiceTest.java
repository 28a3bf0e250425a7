package dev.opsbus.ssh.terminal;

import dev.opsbus.testkit.TestSecrets;
import static dev.opsbus.ssh.terminal.TerminalHarness.await;
import static dev.opsbus.ssh.terminal.TerminalHarness.refusal;
import static dev.opsbus.ssh.terminal.TerminalHarness.request;
import static dev.opsbus.ssh.terminal.TerminalHarness.type;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.opsbus.demohost.DemoSshServer;
import dev.opsbus.gateway.hosts.HostService;
import dev.opsbus.gateway.hosts.HostStore;
import dev.opsbus.model.Addresses;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.hosts.HostRecord;
import dev.opsbus.model.hosts.HostsClient;
import dev.opsbus.model.secret.CredentialCipher;
import dev.opsbus.ssh.HostDirectory;
import dev.opsbus.ssh.RelayThreads;
import dev.opsbus.ssh.SshConnector;
import dev.opsbus.ssh.SshRelayConfig;
import dev.opsbus.ssh.terminal.TerminalHarness.Events;
import dev.opsbus.ssh.terminal.TerminalHarness.Screen;
import dev.opsbus.ssh.terminal.TerminalHarness.Who;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The terminal side of the SSH relay, driven over the bus exactly as the gateway drives it, against
 * a real SSH server with a real pty and a real PostgreSQL holding the hosts.
 */
@ExtendWith(VertxExtension.class)
class TerminalServiceTest {

  private static final String HOST = "demo-t";
  private static final Who ALICE = new Who("alice", "operator", HOST);
  private static final Who CAROL = new Who("carol", "operator", HOST);
  private static final Who BOB_VIEWER = new Who("bob", "viewer", HOST);
  private static final Who ADMIN = new Who("root-admin", "admin", "");
  private static final Who STRANGER = new Who("mallory", "operator", "other-host");

  @TempDir
  static Path tmp;

  private static Vertx vertx;
  private static Pool pool;
  private static DemoSshServer server;
  private static String password;
  private static int closedPort;

  private final List<String> deployments = new ArrayList<>();
  private Path dataDir;

  @BeforeAll
  static void startServer(Vertx v) throws IOException {
    vertx = v;
    TestDatabase.start();
    pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(2)).connectingTo(TestDatabase.connectOptions()).using(vertx).build();
    password = "pw-" + UUID.randomUUID();
    Path home = Files.createDirectories(tmp.resolve("home"));
    server = DemoSshServer.start(DemoSshServer.Options.of(tmp.resolve("hostkey"), "demo", password, home));
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.close();
    }
    if (pool != null) {
      await(pool.close());
    }
  }

  /** The owner of the hosts table (the gateway's store and bus service), which the relay asks. */
  private HostStore owner;
  private HostService ownerService;

  @BeforeEach
  void hosts() throws IOException {
    TestDatabase.reset();
    owner = await(HostStore.open(vertx, TestDatabase.connectOptions(), TestSecrets.cipher()));
    ownerService = new HostService(vertx, owner);
    await(ownerService.start());
    String wrongKey = "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(new byte[32]);
    registerHost(HOST, server.port(), password, server.fingerprint());
    registerHost("wrongkey", server.port(), password, wrongKey);
    registerHost("wrongpass", server.port(), "not-the-password", server.fingerprint());
    registerHost("closedport", closedPort, password, server.fingerprint());
    dataDir = Files.createTempDirectory(tmp, "data");
  }

  private void registerHost(String id, int port, String secret, String fingerprint) {
    await(owner.register(new HostStore.HostInput(id, id, "127.0.0.1", port, "demo", HostRecord.PASSWORD, secret, null), fingerprint));
  }

  @AfterEach
  void undeploy() {
    for (String id : deployments) {
      await(vertx.undeploy(id));
    }
    await(ownerService.stop());
    await(owner.close());
  }

  private SshRelayConfig config(UnaryOperator<SshRelayConfig> change) {
    SshRelayConfig base = SshRelayConfig.builder("node-a", TestDatabase.connectOptions(), dataDir)
        .connectTimeout(Duration.ofSeconds(5)).reattachGrace(Duration.ofSeconds(30)).idleTimeout(Duration.ofMinutes(5))
        .maxSessionsPerUser(4).maxSessionsPerNode(20).healthPeriod(Duration.ofSeconds(30)).build();
    return change.apply(base);
  }

  private static SshRelayConfig with(SshRelayConfig c, String nodeId, Duration grace, Duration idle, int perUser, int perNode,
      boolean recordInput) {
    return c.toBuilder().nodeId(nodeId).reattachGrace(grace).idleTimeout(idle).maxSessionsPerUser(perUser)
        .maxSessionsPerNode(perNode).recordInput(recordInput).build();
  }

  /** Deploys a relay's terminal service the way the verticle does: on its own event-loop context. */
  private void deploy(SshRelayConfig config) {
    HostDirectory hosts = new HostDirectory(new HostsClient(vertx), TestSecrets.cipher());
    SshConnector connector = new SshConnector(config.connectTimeout());
    deployments.add(await(vertx.deployVerticle(new VerticleBase() {
      private TerminalService service;
      private RelayThreads threads;

      @Override
      public Future<?> start() {
        threads = RelayThreads.forRelay(config, 0);
        service = new TerminalService(vertx, config, hosts, connector, threads);
        return service.start();
      }

      @Override
      public Future<?> stop() {
        return service.stop().eventually(() -> {
          threads.shutdown();
          return Future.succeededFuture();
        });
      }
    })));
  }

  private void deploy() {
    deploy(config(c -> c));
  }

  private static String open(Who who, int cols, int rows) {
    JsonObject reply = request(vertx, Addresses.SSH_OPEN, new JsonObject().put("hostId", HOST).put("cols", cols).put("rows", rows), who);
    assertThat(reply.getString("status")).isEqualTo("active");
    assertThat(reply.getString("owner")).isEqualTo(who.user());
    assertThat(reply.getString("hostId")).isEqualTo(HOST);
    String sid = reply.getString("sessionId");
    assertThat(sid).matches("[0-9a-f]{32}");
    return sid;
  }

  private static String join(String sid, Who who, String mode) {
    JsonObject reply = request(vertx, Addresses.SSH_JOIN, new JsonObject().put("sessionId", sid).put("mode", mode), who);
    return reply.getString("role");
  }

  private static JsonObject sid(String sid) {
    return new JsonObject().put("sessionId", sid);
  }

  @Test
  void typingEchoHiShowsHi() {
    deploy();
    String sid = open(ALICE, 80, 24);
    Screen screen = Screen.attach(vertx, sid, ALICE);
    assertThat(screen.attachReply().getString("role")).isEqualTo("driver");
    type(vertx, sid, ALICE, "echo hi\r");
    screen.awaitLine("hi");
    assertThat(screen.gaps()).isZero();
  }

  @Test
  void theDriversResizeChangesSttySize() {
    deploy();
    String sid = open(ALICE, 80, 24);
    Events sessionEvents = new Events(vertx, Addresses.SSH_SESSION_EVENTS.format(sid));
    Screen screen = Screen.attach(vertx, sid, ALICE);
    type(vertx, sid, ALICE, "stty size\r");
    screen.awaitLine("24 80");
    JsonObject reply = request(vertx, Addresses.SSH_RESIZE, sid(sid).put("cols", 100).put("rows", 30), ALICE);
    assertThat(reply.getInteger("cols")).isEqualTo(100);
    type(vertx, sid, ALICE, "stty size\r");
    screen.awaitLine("30 100");
    JsonObject resized = sessionEvents.await(e -> "resized".equals(e.getString("type")), "a resized event");
    assertThat(resized.getInteger("cols")).isEqualTo(100);
    assertThat(resized.getInteger("rows")).isEqualTo(30);
    assertThat(resized.getString("username")).isEqualTo("alice");
  }

  @Test
  void aViewerMayNeitherResizeNorType() {
    deploy();
    String sid = open(ALICE, 80, 24);
    Events events = new Events(vertx, Addresses.SSH_SESSION_EVENTS.format(sid));
    Screen screen = Screen.attach(vertx, sid, ALICE);
    assertThat(join(sid, BOB_VIEWER, "write")).as("a user only granted the host may watch, not write").isEqualTo("viewer");
    Screen bobs = Screen.attach(vertx, sid, BOB_VIEWER);
    assertThat(bobs.attachReply().getString("role")).isEqualTo("viewer");

    assertThat(refusal(vertx, Addresses.SSH_RESIZE, sid(sid).put("cols", 50).put("rows", 10), BOB_VIEWER)).isEqualTo(ErrorCode.ACCESS_DENIED);
    assertThat(refusal(vertx, Addresses.SSH_SESSION_IN.format(sid), io.vertx.core.buffer.Buffer.buffer("echo viewer-was-here\r"), BOB_VIEWER))
        .isEqualTo(ErrorCode.ACCESS_DENIED);
    JsonObject refused = events.await(e -> "input_refused".equals(e.getString("type")), "an input_refused event");
    assertThat(refused.getString("username")).isEqualTo("bob");
    assertThat(refused.getString("role")).isEqualTo("viewer");

    type(vertx, sid, ALICE, "stty size; echo driver-$((20+22))\r");
    String shown = screen.awaitText("driver-42\r\n");
    assertThat(shown).contains("24 80").doesNotContain("viewer-was-here");
    assertThat(bobs.awaitText("driver-42\r\n")).doesNotContain("viewer-was-here");
  }

  @Test
  void twoParticipantsSeeIdenticalOutput() {
    deploy();
    String sid = open(ALICE, 80, 24);
    assertThat(refusal(vertx, Addresses.SSH_INVITE, sid(sid).put("username", "carol").put("mode", "write"), BOB_VIEWER))
        .as("a non-participant may not invite").isEqualTo(ErrorCode.ACCESS_DENIED);
    request(vertx, Addresses.SSH_INVITE, sid(sid).put("username", "carol").put("mode", "write"), ALICE);
    assertThat(join(sid, CAROL, "write")).isEqualTo("writer");
    Screen alices = Screen.attach(vertx, sid, ALICE);
    Screen carols = Screen.attach(vertx, sid, CAROL);
    type(vertx, sid, CAROL, "for i in $(seq 1 3000); do echo line-$i; done; echo all-done\r");
    alices.awaitLine("all-done");
    carols.awaitLine("all-done");
    long end = Math.min(alices.end(), carols.end());
    alices.awaitEnd(end);
    carols.awaitEnd(end);
    long from = Math.max(alices.start(), carols.start());
    assertThat(slice(carols, from, end)).isEqualTo(slice(alices, from, end));
    assertThat(new String(slice(alices, from, end), StandardCharsets.UTF_8)).contains("line-1\r\n", "line-2999\r\n", "line-3000\r\n");
    assertThat(alices.gaps() + carols.gaps()).isZero();
    assertThat(alices.chunks()).as("output is coalesced, not one message per line").isLessThan(1000);
  }

  private static Object flow(String sid, Who who, Object holder, Object hold) {
    DeliveryOptions opts = who.options().addHeader("op", Addresses.SSH_FLOW);
    return await(vertx.eventBus().request(Addresses.SSH_SESSION_CONTROL.format(sid),
        new JsonObject().put("holder", holder).put("hold", hold), opts)).body();
  }

  private static ErrorCode flowRefusal(String sid, Who who, Object holder, Object hold) {
    try {
      return fail("expected a refusal but got " + flow(sid, who, holder, hold));
    } catch (ReplyException e) {
      return ErrorCode.fromFailureCode(e.failureCode());
    }
  }

  @Test
  void whileABrowserHoldsTheOutputTheShellIsNotReadUntilItLetsGo() {
    deploy();
    String sid = open(ALICE, 80, 24);
    Screen screen = Screen.attach(vertx, sid, ALICE);
    type(vertx, sid, ALICE, "echo ready-$((2+3))\r");
    screen.awaitLine("ready-5");
    flow(sid, ALICE, "socket-1", true);
    flow(sid, ALICE, "socket-2", true);
    // a read already under way when the hold came still delivers (at most one 16 KB chunk): 1.3 MB cannot pass
    type(vertx, sid, ALICE, "seq 1 200000; echo held-$((1+1))\r");
    // nothing to await here: the point is that nothing comes, so give the shell a second to answer
    long until = System.nanoTime() + Duration.ofSeconds(1).toNanos();
    while (System.nanoTime() < until) {
      assertThat(Screen.lines(screen.text())).as("output while held").doesNotContain("held-2");
      java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L);
    }
    flow(sid, ALICE, "socket-1", false);
    assertThat(Screen.lines(screen.text())).as("output while one of two holds remains").doesNotContain("held-2");
    flow(sid, ALICE, "socket-2", false);
    screen.awaitLine("held-2");
    assertThat(Screen.lines(screen.text())).contains("200000");
    assertThat(screen.gaps()).isZero();

    assertThat(flowRefusal(sid, STRANGER, "socket-3", true)).as("a stranger may not hold a session").isEqualTo(ErrorCode.ACCESS_DENIED);
    assertThat(flowRefusal(sid, ALICE, 42, true)).isEqualTo(ErrorCode.INVALID_REQUEST);
    assertThat(flowRefusal(sid, ALICE, "socket-1", "yes")).isEqualTo(ErrorCode.INVALID_REQUEST);
  }

  private static byte[] slice(Screen s, long from, long to) {
    byte[] all = s.bytes();
    return Arrays.copyOfRange(all, (int) (from - s.start()), (int) (to - s.start()));
  }

  @Test
  void aLateJoinerGetsTheScrollbackFirstAndOffsetsDedupeExactly() {
    deploy();
    String sid = open(ALICE, 80, 24);
    Screen alices = Screen.attach(vertx, sid, ALICE);
    type(vertx, sid, ALICE, "echo early-$((6*7))\r");
    alices.awaitText("early-42\r\n");
    // output keeps flowing while the late joiner attaches, so chunks overlap the scrollback
    type(vertx, sid, ALICE, "for i in $(seq 1 4000); do echo row-$i; done; echo stream-end\r");
    alices.awaitText("row-100\r\n");
    assertThat(join(sid, BOB_VIEWER, "view")).isEqualTo("viewer");
    Screen late = Screen.attach(vertx, sid, BOB_VIEWER);
    String scrollback = new String(Base64.getDecoder().decode(late.attachReply().getString("scrollback")), StandardCharsets.UTF_8);
    assertThat(scrollback).contains("early-42", "row-100");
    assertThat(late.attachReply().getLong("offset")).isGreaterThan(0L);
    late.awaitLine("stream-end");
    alices.awaitLine("stream-end");
    long end = Math.min(alices.end(), late.end());
    long from = Math.max(alices.start(), late.start());
    assertThat(slice(late, from, end)).isEqualTo(slice(alices, from, end));
    assertThat(late.start()).as("the scrollback starts at the first byte").isZero();
    assertThat(late.gaps()).isZero();
  }

  @Test
  void detachingEveryBrowserThenReattachingWithinTheGraceKeepsTheSameShell() {
    deploy(config(c -> with(c, "node-a", Duration.ofSeconds(20), c.idleTimeout(), 4, 20, false)));
    Events sessions = new Events(vertx, Addresses.SSH_SESSIONS);
    String sid = open(ALICE, 80, 24);
    Screen first = Screen.attach(vertx, sid, ALICE);
    type(vertx, sid, ALICE, "export X=42\r");
    type(vertx, sid, ALICE, "echo set-$X\r");
    first.awaitText("set-42\r\n");
    vertx.eventBus().send(Addresses.SSH_DETACH, sid(sid), ALICE.options());
    first.close();
    sessions.await(s -> sid.equals(s.getString("sessionId")) && "idle".equals(s.getString("status")), "the session idle with no browser");

    Screen again = Screen.attach(vertx, sid, ALICE);
    assertThat(again.attachReply().getString("status")).isEqualTo("active");
    String replay = new String(Base64.getDecoder().decode(again.attachReply().getString("scrollback")), StandardCharsets.UTF_8);
    assertThat(replay).contains("set-42");
    type(vertx, sid, ALICE, "echo again-$X\r");
    again.awaitText("again-42\r\n");
  }

  @Test
  void afterTheGraceTheSessionClosesAndEveryoneIsToldWhy() {
    deploy(config(c -> with(c, "node-a", Duration.ofMillis(700), c.idleTimeout(), 4, 20, false)));
    Events sessions = new Events(vertx, Addresses.SSH_SESSIONS);
    Events activity = new Events(vertx, Addresses.ACTIVITY_EVENTS);
    String sid = open(ALICE, 80, 24);
    Events events = new Events(vertx, Addresses.SSH_SESSION_EVENTS.format(sid));
    Screen.attach(vertx, sid, ALICE);
    vertx.eventBus().send(Addresses.SSH_DETACH, sid(sid), ALICE.options());
    JsonObject closed = events.await(e -> "closed".equals(e.getString("type")), "a closed event");
    assertThat(closed.getString("reason")).isEqualTo("no browser attached for 0.7 s");
    JsonObject last = sessions.await(s -> sid.equals(s.getString("sessionId")) && "closed".equals(s.getString("status")), "a closed session");
    assertThat(last.getString("reason")).isEqualTo("no browser attached for 0.7 s");
    assertThat(refusal(vertx, Addresses.SSH_ATTACH, sid(sid), ALICE)).isEqualTo(ErrorCode.SESSION_CLOSED);
    assertThat(refusal(vertx, Addresses.SSH_SESSION_IN.format(sid), io.vertx.core.buffer.Buffer.buffer("x"), ALICE))
        .as("nobody listens on .in any more").isIn(ErrorCode.SESSION_CLOSED, ErrorCode.INTERNAL_ERROR);
    activity.await(a -> "ssh_disconnect".equals(a.getString("action")) && "alice".equals(a.getString("username")), "ssh_disconnect");
    activity.await(a -> "ssh_connect".equals(a.getString("action")), "ssh_connect");
  }

  @Test
  void anIdleSessionIsMarkedIdleThenClosed() {
    deploy(config(c -> with(c, "node-a", Duration.ofMinutes(5), Duration.ofMillis(1500), 4, 20, false)));
    Events sessions = new Events(vertx, Addresses.SSH_SESSIONS);
    String sid = open(ALICE, 80, 24);
    Events events = new Events(vertx, Addresses.SSH_SESSION_EVENTS.format(sid));
    Screen.attach(vertx, sid, ALICE);
    List<String> statuses = new ArrayList<>();
    sessions.await(s -> sid.equals(s.getString("sessionId")) && "closed".equals(s.getString("status")), "closed");
    for (JsonObject s : sessions.all()) {
      if (sid.equals(s.getString("sessionId")) && (statuses.isEmpty() || !statuses.get(statuses.size() - 1).equals(s.getString("status")))) {
        statuses.add(s.getString("status"));
      }
    }
    assertThat(statuses).containsExactly("authenticating", "active", "idle", "closed");
    assertThat(events.await(e -> "closed".equals(e.getString("type")), "closed").getString("reason"))
        .isEqualTo("idle for 1.5 s (no input, no output)");
  }

  @Test
  void sessionsReportEveryChangeWithIncreasingVersions() {
    deploy();
    Events sessions = new Events(vertx, Addresses.SSH_SESSIONS);
    String sid = open(ALICE, 80, 24);
    join(sid, BOB_VIEWER, "view");
    Screen.attach(vertx, sid, BOB_VIEWER);
    JsonObject withBob = sessions.await(s -> sid.equals(s.getString("sessionId"))
        && s.getJsonArray("participants").stream().anyMatch(p -> "bob".equals(((JsonObject) p).getString("username"))
        && ((JsonObject) p).getInteger("attached") == 1), "bob attached");
    assertThat(withBob.getString("node")).isEqualTo("node-a");
    assertThat(withBob.getString("owner")).isEqualTo("alice");
    assertThat(withBob.getString("type")).isEqualTo("ssh_session");
    request(vertx, Addresses.SSH_CLOSE, sid(sid), ALICE);
    JsonObject closed = sessions.await(s -> sid.equals(s.getString("sessionId")) && "closed".equals(s.getString("status")), "closed");
    assertThat(closed.getString("reason")).isEqualTo("closed by its driver alice");
    long previous = -1;
    for (JsonObject s : sessions.all()) {
      if (sid.equals(s.getString("sessionId"))) {
        assertThat(s.getLong("version")).isGreaterThan(previous);
        previous = s.getLong("version");
      }
    }
    assertThat(sessions.all().stream().filter(s -> sid.equals(s.getString("sessionId"))).map(s -> s.getString("status")))
        .startsWith("authenticating", "active");
  }

  @Test
  void limitsPerUserAndPerNodeGiveTooManySessions() {
    deploy(config(c -> with(c, "node-a", c.reattachGrace(), c.idleTimeout(), 1, 2, false)));
    String first = open(ALICE, 80, 24);
    assertThat(refusal(vertx, Addresses.SSH_OPEN, new JsonObject().put("hostId", HOST), ALICE)).isEqualTo(ErrorCode.TOO_MANY_SESSIONS);
    open(CAROL, 80, 24);
    assertThat(refusal(vertx, Addresses.SSH_OPEN, new JsonObject().put("hostId", HOST), ADMIN)).isEqualTo(ErrorCode.TOO_MANY_SESSIONS);
    request(vertx, Addresses.SSH_CLOSE, sid(first), ADMIN);
    open(ALICE, 80, 24);
  }

  @Test
  void onlyAdminsAndOperatorsGrantedTheHostOpenAndOnlyTheDriverOrAnAdminClose() {
    deploy();
    assertThat(refusal(vertx, Addresses.SSH_OPEN, new JsonObject().put("hostId", HOST), BOB_VIEWER)).isEqualTo(ErrorCode.ACCESS_DENIED);
    assertThat(refusal(vertx, Addresses.SSH_OPEN, new JsonObject().put("hostId", HOST), STRANGER)).isEqualTo(ErrorCode.ACCESS_DENIED);
    assertThat(refusal(vertx, Addresses.SSH_OPEN, new JsonObject().put("hostId", "no-such-host"), ADMIN)).isEqualTo(ErrorCode.NOT_FOUND);
    String sid = open(ALICE, 80, 24);
    assertThat(refusal(vertx, Addresses.SSH_JOIN, sid(sid).put("mode", "view"), STRANGER)).isEqualTo(ErrorCode.ACCESS_DENIED);
    assertThat(refusal(vertx, Addresses.SSH_ATTACH, sid(sid), CAROL)).as("attach needs a join first").isEqualTo(ErrorCode.ACCESS_DENIED);
    assertThat(join(sid, ADMIN, "write")).isEqualTo("writer");
    assertThat(join(sid, ALICE, "view")).as("the owner stays the driver").isEqualTo("driver");
    assertThat(refusal(vertx, Addresses.SSH_CLOSE, sid(sid), CAROL)).isEqualTo(ErrorCode.ACCESS_DENIED);

    JsonArray forStranger = request(vertx, Addresses.SSH_LIST, new JsonObject(), STRANGER);
    assertThat(forStranger).isEmpty();
    JsonArray forBob = request(vertx, Addresses.SSH_LIST, new JsonObject(), BOB_VIEWER);
    assertThat(forBob).hasSize(1);
    assertThat(forBob.getJsonObject(0).getString("sessionId")).isEqualTo(sid);
    JsonArray forAdmin = request(vertx, Addresses.SSH_LIST, new JsonObject(), ADMIN);
    assertThat(forAdmin).hasSize(1);
    // a caller inside the cluster (no identity headers: the metrics verticle counting sessions) sees every one
    JsonArray forTrusted = await(vertx.eventBus().<JsonArray>request(Addresses.SSH_LIST, new JsonObject())).body();
    assertThat(forTrusted).hasSize(1);

    request(vertx, Addresses.SSH_CLOSE, sid(sid), ADMIN);
    assertThat((JsonArray) request(vertx, Addresses.SSH_LIST, new JsonObject(), ADMIN)).isEmpty();
    assertThat(refusal(vertx, Addresses.SSH_JOIN, sid("0".repeat(32)).put("mode", "view"), ADMIN)).isEqualTo(ErrorCode.NOT_FOUND);
  }

  @Test
  void everySessionIsRecordedInAsciicastAndOnlyAnAdminFetchesIt() throws IOException {
    deploy(config(c -> with(c, "node-a", c.reattachGrace(), c.idleTimeout(), 4, 20, true)));
    String sid = open(ALICE, 80, 24);
    Screen screen = Screen.attach(vertx, sid, ALICE);
    type(vertx, sid, ALICE, "echo recorded-$((40+2))\r");
    screen.awaitText("recorded-42\r\n");
    request(vertx, Addresses.SSH_RESIZE, sid(sid).put("cols", 90).put("rows", 20), ALICE);
    assertThat(refusal(vertx, Addresses.SSH_RECORDING, sid(sid), ALICE)).isEqualTo(ErrorCode.ACCESS_DENIED);

    String cast = request(vertx, Addresses.SSH_RECORDING, sid(sid), ADMIN);
    String[] lines = cast.split("\n");
    JsonObject header = new JsonObject(lines[0]);
    assertThat(header.getInteger("version")).isEqualTo(2);
    assertThat(header.getInteger("width")).isEqualTo(80);
    assertThat(header.getInteger("height")).isEqualTo(24);
    assertThat(header.getLong("timestamp")).isPositive();
    StringBuilder output = new StringBuilder();
    StringBuilder input = new StringBuilder();
    List<String> resizes = new ArrayList<>();
    double t = 0;
    for (int i = 1; i < lines.length; i++) {
      JsonArray ev = new JsonArray(lines[i]);
      assertThat(ev.getDouble(0)).isGreaterThanOrEqualTo(t);
      t = ev.getDouble(0);
      switch (ev.getString(1)) {
        case "o" -> output.append(ev.getString(2));
        case "i" -> input.append(ev.getString(2));
        case "r" -> resizes.add(ev.getString(2));
        default -> throw new AssertionError("unexpected event " + lines[i]);
      }
    }
    assertThat(output.toString()).contains("recorded-42\r\n");
    assertThat(input.toString()).isEqualTo("echo recorded-$((40+2))\r");
    assertThat(resizes).containsExactly("90x20");

    request(vertx, Addresses.SSH_CLOSE, sid(sid), ALICE);
    // kept in the database once the relay let go of it (recordings.list, recordings.read: TerminalRecordingsTest)
    JsonObject listed = request(vertx, Addresses.RECORDINGS_LIST, new JsonObject().put("sessionId", sid), ADMIN);
    assertThat(listed.getJsonArray("recordings")).hasSize(1);
    assertThat(listed.getJsonArray("recordings").getJsonObject(0).getString("endedAt")).isNotNull();
  }

  @Test
  void whenTheShellExitsTheSessionEndsAsDisconnected() {
    deploy();
    Events sessions = new Events(vertx, Addresses.SSH_SESSIONS);
    String sid = open(ALICE, 80, 24);
    Events events = new Events(vertx, Addresses.SSH_SESSION_EVENTS.format(sid));
    Screen.attach(vertx, sid, ALICE);
    type(vertx, sid, ALICE, "exit\r");
    assertThat(events.await(e -> "closed".equals(e.getString("type")), "closed").getString("reason")).isEqualTo("the shell exited");
    sessions.await(s -> sid.equals(s.getString("sessionId")) && "disconnected".equals(s.getString("status")), "disconnected");
    assertThat(refusal(vertx, Addresses.SSH_ATTACH, sid(sid), ALICE)).isEqualTo(ErrorCode.SESSION_CLOSED);
  }

  @Test
  void aHostKeyMismatchAWrongPasswordAndAClosedPortFailWithTheirCodeWithinTheTimeout() {
    deploy();
    Events activity = new Events(vertx, Addresses.ACTIVITY_EVENTS);
    long started = System.nanoTime();
    assertThat(refusal(vertx, Addresses.SSH_OPEN, new JsonObject().put("hostId", "wrongkey"), ADMIN)).isEqualTo(ErrorCode.HOST_KEY_MISMATCH);
    assertThat(refusal(vertx, Addresses.SSH_OPEN, new JsonObject().put("hostId", "wrongpass"), ADMIN)).isEqualTo(ErrorCode.SSH_AUTH_FAILED);
    assertThat(refusal(vertx, Addresses.SSH_OPEN, new JsonObject().put("hostId", "closedport"), ADMIN)).isEqualTo(ErrorCode.HOST_UNREACHABLE);
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(15));
    JsonObject mismatch = activity.await(a -> "ssh_connect".equals(a.getString("action")) && "host_key_mismatch".equals(a.getString("code")),
        "the mismatch in activity.events");
    assertThat(mismatch.getString("message")).contains("wrongkey");
    assertThat(activity.all().toString()).doesNotContain(password);
    // failed opens hold no slot
    assertThat((JsonArray) request(vertx, Addresses.SSH_LIST, new JsonObject(), ADMIN)).isEmpty();
  }

  @Test
  void twoRelaysServeEveryRequestWhicheverOfThemTheBusPicks() {
    deploy(config(c -> with(c, "node-a", c.reattachGrace(), c.idleTimeout(), 4, 20, false)));
    deploy(config(c -> with(c, "node-b", c.reattachGrace(), c.idleTimeout(), 4, 20, false)));
    String sid = open(ALICE, 80, 24);
    // the fixed addresses go round-robin between the two relays: repeat so both forward and answer
    for (int i = 0; i < 4; i++) {
      assertThat(join(sid, BOB_VIEWER, "view")).isEqualTo("viewer");
      assertThat(refusal(vertx, Addresses.SSH_RESIZE, sid(sid).put("cols", 50).put("rows", 10), BOB_VIEWER)).isEqualTo(ErrorCode.ACCESS_DENIED);
      assertThat((JsonArray) request(vertx, Addresses.SSH_LIST, new JsonObject(), ADMIN)).hasSize(1);
    }
    Screen a = Screen.attach(vertx, sid, ALICE);
    Screen b = Screen.attach(vertx, sid, BOB_VIEWER);
    request(vertx, Addresses.SSH_RESIZE, sid(sid).put("cols", 101).put("rows", 31), ALICE);
    type(vertx, sid, ALICE, "stty size\r");
    a.awaitText("31 101\r\n");
    b.awaitText("31 101\r\n");
    for (int i = 0; i < 2; i++) {
      assertThat(refusal(vertx, Addresses.SSH_ATTACH, sid("f".repeat(32)), ALICE)).isEqualTo(ErrorCode.NOT_FOUND);
    }
    String cast = request(vertx, Addresses.SSH_RECORDING, sid(sid), ADMIN);
    assertThat(cast).contains("31 101");
  }
}
