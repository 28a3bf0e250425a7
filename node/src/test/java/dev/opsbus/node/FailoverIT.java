package dev.opsbus.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.demohost.DemoSshServer;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The failover suite: three clustered nodes in their own JVMs on one PostgreSQL, an SSH host, and
 * reconnecting clients watching {@code ops.updates.host.demo}: raw-WebSocket clients and the real
 * vertx-eventbus.js (over sockjs-client, in Node, reconnecting and resyncing as the console does).
 * In turn: {@code kill -9} of an operation's owner (just after it committed a change it never
 * published), SIGTERM of a node running two operations, a PostgreSQL restart, a 15 s PostgreSQL
 * pause (SIGSTOP), and {@code kill -9} of a terminal's relay. Each case asserts what a user sees and prints how long it took;
 * at the end every client must hold every change exactly once (ordered by seq), no operation may be left active,
 * and no command may ever have run twice at once on the host (its process table is sampled). The SSH
 * host keeps a command running when its connection drops, as OpenSSH does: a killed owner's command
 * is stopped by the fence.
 */
class FailoverIT {

  private static final Duration START = Duration.ofSeconds(120);
  private static final Duration WAIT = Duration.ofSeconds(45);
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
  private static final Pattern MEMBERS = Pattern.compile("cluster has (\\d+) members");
  /** Each operation type's command sleeps a length no other process on the machine does, so the process table tells them apart. */
  private static final Map<String, String> SLEEPS = Map.of("quick", "3.071", "mid", "9.093", "long", "41.017");
  private static final String PASSWORD = "demo-pass-123";

  @TempDir
  Path tmp;

  private final Map<String, String> report = new LinkedHashMap<>();
  private final List<Node> nodes = new CopyOnWriteArrayList<>();
  private final Map<String, Integer> maxRunning = new ConcurrentHashMap<>();
  private String cluster;
  private Path config;
  private String adminPassword;
  private String admin;

  private record Node(String name, NodeProcess process, String id, int port) {
  }

  private record Answer(int status, JsonObject json, java.net.http.HttpHeaders headers, long millis) {
  }

  // ---- the cluster ----

  private Node startNode(String name) throws Exception {
    NodeProcess p = NodeProcess.start(name, tmp, "--cluster", "--cluster-name", cluster, "--http-port", "0", "--http-host", "127.0.0.1",
        "--pg-url", TestDatabase.url(), "--data-dir", name, "--config", config.toString());
    Matcher m = p.awaitLine(NodeProcess.LISTENING, START);
    Node n = new Node(name, p, m.group(1), Integer.parseInt(m.group(2)));
    nodes.add(n);
    return n;
  }

  private List<Integer> livePorts() {
    return nodes.stream().filter(n -> n.process().handle().isAlive()).map(Node::port).toList();
  }

  private Node nodeById(String id) {
    return nodes.stream().filter(n -> n.id().equals(id)).findFirst().orElseThrow(() -> new AssertionError("no node " + id));
  }

  private Node anyOther(Node than) {
    return nodes.stream().filter(n -> n != than && n.process().handle().isAlive()).findFirst().orElseThrow();
  }

  private static void awaitMembers(Node n, int count) throws InterruptedException {
    n.process().awaitLine(Pattern.compile("cluster has " + count + " members"), START);
  }

  // ---- HTTP ----

  private static Answer call(int port, String method, String path, JsonObject body, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(40));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (body != null) {
      b.header("content-type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body.encode()));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    long t0 = System.nanoTime();
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    long ms = (System.nanoTime() - t0) / 1_000_000;
    JsonObject json = r.body().startsWith("{") ? new JsonObject(r.body()) : new JsonObject().put("raw", r.body());
    return new Answer(r.statusCode(), json, r.headers(), ms);
  }

  private JsonObject start(Node via, String type) throws Exception {
    Answer a = call(via.port(), "POST", "/api/hosts/demo/operations", new JsonObject().put("type", type), admin);
    assertThat(a.status()).as(a.json().encode()).isEqualTo(202);
    assertThat(a.json().getString("status")).as(a.json().encode()).isEqualTo("started");
    return a.json().getJsonObject("operation");
  }

  /** The operation as any live node tells it; a 503 (the database just came back) is asked again, as Retry-After says. */
  private JsonObject get(String opId) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    Answer last = null;
    while (System.nanoTime() < deadline) {
      for (int port : livePorts()) {
        try {
          last = call(port, "GET", "/api/operations/" + opId, null, admin);
          if (last.status() == 200) {
            return last.json();
          }
        } catch (IOException e) {
          // that node is going away: ask another
        }
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no node answered for operation " + opId + ": " + (last == null ? "no answer" : last.status() + " " + last.json()));
  }

  /** Polls the operation until it has ended; returns it, with the milliseconds since {@code fromNanos} in {@code _tookMs}. */
  private JsonObject awaitEnd(String opId, long fromNanos, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      JsonObject op = get(opId);
      if (!List.of("pending", "in_progress").contains(op.getString("status"))) {
        return op.put("_tookMs", (System.nanoTime() - fromNanos) / 1_000_000);
      }
      Thread.sleep(100);
    }
    throw new AssertionError("operation " + opId + " still active after " + timeout + ": " + get(opId).encode());
  }

  private void cancelAndAwait(String opId) throws Exception {
    call(livePorts().get(0), "POST", "/api/operations/" + opId + "/cancel", new JsonObject(), admin);
    awaitEnd(opId, System.nanoTime(), WAIT);
  }

  // ---- the host's process table ----

  /** Commands of {@code type} running on the host now (the SSH host is this machine). */
  private static long running(String type) {
    String secs = SLEEPS.get(type);
    // the sleep itself (its shell's command line ends the same way)
    return ProcessHandle.allProcesses().filter(p -> p.info().command().map(c -> c.endsWith("/sleep")).orElse(false)
        && p.info().arguments().map(a -> a.length == 1 && a[0].equals(secs)).orElse(false)).count();
  }

  private Thread sampler() {
    Thread t = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        SLEEPS.keySet().forEach(type -> maxRunning.merge(type, (int) running(type), Math::max));
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "process-sampler");
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static void awaitRunning(String type, long count, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (running(type) != count) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(running(type) + " '" + type + "' commands run on the host, not " + count);
      }
      Thread.sleep(50);
    }
  }

  // ---- the database ----

  private static List<Long> changeSeqs() throws Exception {
    List<Long> out = new ArrayList<>();
    try (Connection c = TestDatabase.start().getPostgresDatabase().getConnection(); Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT seq FROM operation_changes WHERE host_id = 'demo' ORDER BY seq")) {
      while (rs.next()) {
        out.add(rs.getLong(1));
      }
    }
    return out;
  }

  private static int activeOperations() throws Exception {
    try (Connection c = TestDatabase.start().getPostgresDatabase().getConnection(); Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT count(*) FROM operations WHERE status IN ('pending', 'in_progress')")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  /** The last heartbeat of every node in operation_nodes, as epoch millis. */
  private static Map<String, Long> heartbeats() throws Exception {
    Map<String, Long> out = new LinkedHashMap<>();
    try (Connection c = TestDatabase.start().getPostgresDatabase().getConnection(); Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT node_id, (extract(epoch FROM last_seen) * 1000)::bigint FROM operation_nodes")) {
      while (rs.next()) {
        out.put(rs.getString(1), rs.getLong(2));
      }
    }
    return out;
  }

  private static void signal(String sig, List<Long> pids) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("kill", "-" + sig));
    pids.forEach(p -> cmd.add(String.valueOf(p)));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
  }

  private void time(String what, Object value) {
    report.put(what, String.valueOf(value));
    System.out.println("[failover] " + what + ": " + value);
  }

  // ---- the suite ----

  @Test
  void loseANodeOrTheDatabaseLoseNothingRunNothingTwiceTellEveryone() throws Exception {
    TestDatabase.reset();
    cluster = "fo-" + UUID.randomUUID().toString().substring(0, 8);
    config = tmp.resolve("opsbus.json");
    List<JsonObject> commands = new ArrayList<>();
    SLEEPS.forEach((type, secs) -> commands.add(new JsonObject().put("name", type).put("command", "echo started; sleep " + secs)
        .put("roles", List.of("operator"))));
    Files.writeString(config, new JsonObject()
        .put("operations", new JsonObject().put("heartbeatMs", 1000).put("nodeLostAfterSeconds", 5).put("commands", commands))
        .put("drain", new JsonObject().put("timeoutSeconds", 6).put("reconnectWindowMs", 2000)).encode());
    // as OpenSSH does for a command without a terminal, the host keeps a command running when its
    // connection drops: a killed node's command is stopped only by the fence
    DemoSshServer ssh = DemoSshServer.start(DemoSshServer.Options.of(tmp.resolve("host.key"), System.getProperty("user.name"), PASSWORD, tmp)
        .keepingCommandsOnDisconnect());
    Thread sampler = sampler();
    List<FailoverClient> clients = new ArrayList<>();
    long suite = System.nanoTime();
    try {
      Node n1 = startNode("fo-1");
      Node n2 = startNode("fo-2");
      Node n3 = startNode("fo-3");
      for (Node n : nodes) {
        awaitMembers(n, 3);
      }
      time("three nodes up", (System.nanoTime() - suite) / 1_000_000 + " ms");
      for (Node n : nodes) {
        Matcher m = NodeClient.GENERATED_ADMIN.matcher(n.process().output());
        if (m.find()) {
          adminPassword = m.group(1);
        }
      }
      admin = new NodeClient(n1.port()).login("admin", adminPassword);
      Answer host = call(n1.port(), "POST", "/api/hosts", new JsonObject().put("id", "demo").put("address", "127.0.0.1").put("port", ssh.port())
          .put("username", System.getProperty("user.name")).put("password", PASSWORD), admin);
      assertThat(host.status()).as(host.json().encode()).isEqualTo(201);
      Answer pin = call(n1.port(), "POST", "/api/hosts/demo/host-key", new JsonObject().put("fingerprint", ssh.fingerprint()), admin);
      assertThat(pin.status()).as(pin.json().encode()).isEqualTo(200);
      for (Node n : List.of(n1, n2, n3)) {
        clients.add(ResyncingClient.connect("client-" + n.name(), "ops.updates.host.demo", admin, n.port(), this::livePorts));
      }
      // the browser's client, one per node, over SockJS's WebSocket and (one) its XHR streaming
      List<String> transports = List.of("websocket", "xhr-streaming", "websocket");
      for (int i = 0; i < 3; i++) {
        Node n = List.of(n1, n2, n3).get(i);
        clients.add(EventBusJsResyncingClient.connect("js-" + transports.get(i) + "-" + n.name(), "ops.updates.host.demo", admin, n.port(),
            transports.get(i), this::livePorts));
      }

      killTheOwner(clients);
      sigterm(clients);
      databaseRestart();
      databasePause();
      killTheTerminalsRelay();

      // every client back, holding every change once, in order
      List<Long> all = changeSeqs();
      for (FailoverClient c : clients) {
        c.awaitSeq(all.get(all.size() - 1), WAIT);
        List<Long> got = c.seqs();
        assertThat(got).as(c.name() + ": no duplicate").doesNotHaveDuplicates();
        // changes of different operations come from different nodes, so live ones may arrive out of
        // seq order; a client orders them by seq (each operation's own changes come in version order)
        assertThat(got.stream().sorted().toList()).as(c.name() + ": no gap").containsExactlyElementsOf(all);
        time(c.name() + " reconnects (ms each)", c.reconnectMillis());
      }
      assertThat(activeOperations()).as("operations left active without a run").isZero();
      sampler.interrupt();
      SLEEPS.keySet().forEach(type -> assertThat(maxRunning.getOrDefault(type, 0)).as("'" + type + "' commands at once on the host").isLessThanOrEqualTo(1));
      time("most commands of one type at once on the host", maxRunning);
      time("whole suite", (System.nanoTime() - suite) / 1_000_000 + " ms");
    } finally {
      sampler.interrupt();
      clients.forEach(FailoverClient::close);
      for (Node n : nodes) {
        n.process().close();
      }
      ssh.close();
      System.out.println("[failover] report " + new JsonObject(new LinkedHashMap<>(report)).encodePrettily());
    }
  }

  /** kill -9 of the node that owns (and runs) an operation. */
  private void killTheOwner(List<FailoverClient> clients) throws Exception {
    Node via = nodes.get(0);
    JsonObject op = start(via, "long");
    String id = op.getString("id");
    Node owner = nodeById(op.getString("nodeId"));
    awaitRunning("long", 1, WAIT);
    List<Long> before = changeSeqs();
    for (FailoverClient c : clients) {
      c.awaitSeq(before.get(before.size() - 1), WAIT);
    }
    Map<String, Integer> reconnectsBefore = new LinkedHashMap<>();
    clients.forEach(c -> reconnectsBefore.put(c.name(), c.reconnectMillis().size()));
    // the owner is killed between committing a change and publishing it: the change is written as
    // its store writes one (version and snapshot in one transaction), and the owner never publishes it
    long unpublished = commitWithoutPublishing(get(id), "committed by the owner, never published by it");
    long killed = System.nanoTime();
    owner.process().kill();
    // when each client holds the change the owner never published (measured beside the fence's wait)
    java.util.concurrent.CompletableFuture<Map<String, Long>> arrivals = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      Map<String, Long> at = new ConcurrentHashMap<>();
      while (at.size() < clients.size() && System.nanoTime() - killed < WAIT.toNanos()) {
        for (FailoverClient c : clients) {
          if (!at.containsKey(c.name()) && c.seqs().contains(unpublished)) {
            at.put(c.name(), (System.nanoTime() - killed) / 1_000_000);
          }
        }
        try {
          Thread.sleep(10);
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      }
      return new java.util.TreeMap<>(at);
    });
    awaitRunning("long", 0, WAIT);
    time("kill -9: its command stopped on the host by the fence after", (System.nanoTime() - killed) / 1_000_000 + " ms");
    // a client that stayed connected to a survivor gets the change live, republished by its node;
    // one that was on the owner gets it in its replay; none gets it twice (checked at the end)
    Map<String, Long> arrived = arrivals.get(WAIT.toSeconds() + 10, TimeUnit.SECONDS);
    List<FailoverClient> stayed = new ArrayList<>();
    for (FailoverClient c : clients) {
      awaitHas(c, unpublished, Duration.ofSeconds(1));
      if (c.reconnectMillis().size() == reconnectsBefore.get(c.name())) {
        stayed.add(c);
        assertThat(c.republished()).as(c.name() + " stayed connected: the change came republished").contains(unpublished);
      }
    }
    assertThat(stayed).as("clients that stayed connected to a survivor").isNotEmpty();
    time("kill -9: the change committed but not published reached each client after (ms; republished live to "
        + stayed.stream().map(FailoverClient::name).toList() + ", the others in their replay)", arrived);
    JsonObject ended = awaitEnd(id, killed, Duration.ofSeconds(60));
    assertThat(ended.getString("status")).isEqualTo("failed");
    assertThat(ended.getJsonObject("metadata").getString("reason")).isEqualTo("node_lost");
    time("kill -9: operation failed node_lost after", ended.getLong("_tookMs") + " ms");
    // the host and type are free, and the new command runs alone
    Node survivor = anyOther(owner);
    // (the fence may still be open: the command is gone but its fence not yet marked done; the start
    // then answers waiting_for_previous and runs once it is)
    Answer restarted = call(survivor.port(), "POST", "/api/hosts/demo/operations", new JsonObject().put("type", "long"), admin);
    assertThat(restarted.status()).as(restarted.json().encode()).isEqualTo(202);
    assertThat(restarted.json().getString("status")).as(restarted.json().encode()).isIn("started", "waiting_for_previous");
    if ("waiting_for_previous".equals(restarted.json().getString("status"))) {
      assertThat(restarted.json().getString("waitingFor")).isEqualTo(id);
    }
    JsonObject again = restarted.json().getJsonObject("operation");
    awaitRunning("long", 1, WAIT);
    cancelAndAwait(again.getString("id"));
    awaitRunning("long", 0, WAIT);
    List<Long> all = changeSeqs();
    for (FailoverClient c : clients) {
      c.awaitSeq(all.get(all.size() - 1), WAIT);
    }
    time("kill -9: every client back and resynced after", (System.nanoTime() - killed) / 1_000_000 + " ms");
    Node replacement = startNode("fo-4");
    awaitMembers(replacement, 3);
  }

  /** Waits until {@code c} holds the change {@code seq}. */
  private static void awaitHas(FailoverClient c, long seq, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!c.seqs().contains(seq)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(c.name() + ": no change " + seq + " within " + timeout + "; has " + c.seqs());
      }
      Thread.sleep(20);
    }
  }

  /**
   * Writes a change of an active operation as its owner's store does (the operation's version bumped
   * and its snapshot appended to operation_changes, in one transaction) without publishing it: what
   * the database holds when the owner is killed between its commit and its publish. Returns its seq.
   */
  private static long commitWithoutPublishing(JsonObject op, String message) throws Exception {
    try (Connection c = TestDatabase.start().getPostgresDatabase().getConnection()) {
      c.setAutoCommit(false);
      long version;
      try (java.sql.PreparedStatement up = c.prepareStatement("UPDATE operations SET message = ?, version = version + 1, updated_at = now() "
          + "WHERE id = ?::uuid AND status IN ('pending', 'in_progress') RETURNING version")) {
        up.setString(1, message);
        up.setString(2, op.getString("id"));
        ResultSet rs = up.executeQuery();
        assertThat(rs.next()).as("the operation is active").isTrue();
        version = rs.getLong(1);
      }
      JsonObject snapshot = op.copy().put("message", message).put("version", version);
      snapshot.remove("seq");
      long seq;
      try (java.sql.PreparedStatement in = c.prepareStatement("INSERT INTO operation_changes (operation_id, host_id, version, snapshot) "
          + "VALUES (?::uuid, ?, ?, ?::jsonb) RETURNING seq")) {
        in.setString(1, op.getString("id"));
        in.setString(2, op.getString("hostId"));
        in.setLong(3, version);
        in.setString(4, snapshot.encode());
        ResultSet rs = in.executeQuery();
        rs.next();
        seq = rs.getLong(1);
      }
      c.commit();
      return seq;
    }
  }

  /** SIGTERM of a node running a short and a long operation. */
  private void sigterm(List<FailoverClient> clients) throws Exception {
    Node via = nodes.stream().filter(n -> n.process().handle().isAlive()).findFirst().orElseThrow();
    JsonObject quick = start(via, "quick");
    Node owner = nodeById(quick.getString("nodeId"));
    // the bus picks the owner: start the long one until it lands on the same node
    JsonObject longOp = null;
    for (int i = 0; i < 12 && longOp == null; i++) {
      JsonObject candidate = start(via, "long");
      if (candidate.getString("nodeId").equals(owner.id())) {
        longOp = candidate;
      } else {
        cancelAndAwait(candidate.getString("id"));
        awaitRunning("long", 0, WAIT);
      }
    }
    assertThat(longOp).as("a long operation on the quick one's node").isNotNull();
    awaitRunning("long", 1, WAIT);
    try (ResyncingClient watcher = ResyncingClient.connect("drain-watcher", "ops.updates.host.demo", admin, owner.port(), this::livePorts);
         EventBusJsResyncingClient jsWatcher = EventBusJsResyncingClient.connect("drain-watcher-js", "ops.updates.host.demo", admin,
             owner.port(), "websocket", this::livePorts)) {
      long term = System.nanoTime();
      owner.process().terminate();
      // /ready turns 503 node_draining first, so the load balancer moves new traffic
      Answer ready = null;
      while (System.nanoTime() - term < TimeUnit.SECONDS.toNanos(10)) {
        ready = call(owner.port(), "GET", "/ready", null, null);
        if (ready.status() == 503) {
          break;
        }
      }
      assertThat(ready.status()).isEqualTo(503);
      assertThat(ready.json().getString("reason")).isEqualTo("node_draining");
      time("SIGTERM: /ready 503 node_draining after", (System.nanoTime() - term) / 1_000_000 + " ms");
      Answer refused = call(owner.port(), "POST", "/api/hosts/demo/operations", new JsonObject().put("type", "mid"), admin);
      assertThat(refused.status()).isEqualTo(503);
      assertThat(refused.json().getString("error")).isEqualTo("node_draining");
      JsonObject err = watcher.awaitErr("node_draining", WAIT);
      assertThat(err.getLong("reconnectAfterMs")).isBetween(0L, 2000L);
      time("SIGTERM: client told node_draining, reconnect after (ms)", err.getLong("reconnectAfterMs"));
      JsonObject jsErr = jsWatcher.awaitErr("node_draining", WAIT);
      assertThat(jsErr.getLong("reconnectAfterMs")).isBetween(0L, 2000L);
      time("SIGTERM: vertx-eventbus.js client told node_draining, reconnect after (ms)", jsErr.getLong("reconnectAfterMs"));
      JsonObject q = awaitEnd(quick.getString("id"), term, WAIT);
      assertThat(q.getString("status")).as("the short one finished during the drain").isEqualTo("completed");
      JsonObject l = awaitEnd(longOp.getString("id"), term, WAIT);
      assertThat(l.getString("status")).isEqualTo("failed");
      assertThat(l.getJsonObject("metadata").getString("reason")).as(l.encode()).isEqualTo("node_shutdown");
      time("SIGTERM: running operation finished after", q.getLong("_tookMs") + " ms");
      time("SIGTERM: operation past the drain timeout failed node_shutdown after", l.getLong("_tookMs") + " ms");
      assertThat(owner.process().awaitExit(WAIT)).isZero();
      awaitRunning("long", 0, WAIT);
      List<Long> all = changeSeqs();
      watcher.awaitSeq(all.get(all.size() - 1), WAIT);
      jsWatcher.awaitSeq(all.get(all.size() - 1), WAIT);
      for (FailoverClient w : List.<FailoverClient>of(watcher, jsWatcher)) {
        assertThat(w.seqs()).as(w.name() + ": no duplicate").doesNotHaveDuplicates();
        assertThat(w.seqs().stream().sorted().toList()).as(w.name() + ": no gap").containsExactlyElementsOf(all);
        time("SIGTERM: " + w.name() + " reconnects (ms each)", w.reconnectMillis());
      }
      for (FailoverClient c : clients) {
        c.awaitSeq(all.get(all.size() - 1), WAIT);
      }
      time("SIGTERM: every client back and resynced after", (System.nanoTime() - term) / 1_000_000 + " ms");
    }
  }

  /** PostgreSQL stops and starts again (about 2.5 s) under a running operation. */
  private void databaseRestart() throws Exception {
    Node via = nodes.stream().filter(n -> n.process().handle().isAlive()).findFirst().orElseThrow();
    JsonObject op = start(via, "quick");
    awaitRunning("quick", 1, WAIT);
    long stop = System.nanoTime();
    TestDatabase.stopServer();
    Answer during;
    Answer ready;
    Answer posted;
    try {
      during = call(via.port(), "GET", "/api/operations?hostId=demo", null, admin);
      ready = call(via.port(), "GET", "/ready", null, null);
      // a request with a body, once the node knows the database is away (its guard then waits on a probe)
      posted = call(via.port(), "POST", "/api/hosts/demo/operations", new JsonObject().put("type", "quick"), admin);
      // the outage a restart makes: a fixed length is the scenario, not a synchronisation
      Thread.sleep(2500);
    } finally {
      TestDatabase.startServer();
    }
    time("PostgreSQL restart: outage", (System.nanoTime() - stop) / 1_000_000 + " ms");
    assertThat(during.status()).as(during.json().encode()).isEqualTo(503);
    assertThat(during.json().getString("error")).isEqualTo("store_unavailable");
    assertThat(during.headers().firstValue("retry-after")).isPresent();
    time("PostgreSQL restart: HTTP answered 503 store_unavailable in", during.millis() + " ms");
    assertThat(ready.status()).isEqualTo(503);
    assertThat(ready.json().getString("reason")).isEqualTo("store_unavailable");
    assertThat(posted.status()).as("a start during the outage: " + posted.json().encode()).isEqualTo(503);
    assertThat(posted.json().getString("error")).isEqualTo("store_unavailable");
    JsonObject ended = awaitEnd(op.getString("id"), stop, WAIT);
    assertThat(ended.getString("status")).as(ended.encode()).isEqualTo("completed");
    time("PostgreSQL restart: operation completed after", ended.getLong("_tookMs") + " ms");
    JsonObject again = start(via, "quick");
    awaitEnd(again.getString("id"), System.nanoTime(), WAIT);
  }

  /** kill -9 of the node whose relay holds a terminal session that a user watches through another node. */
  private void killTheTerminalsRelay() throws Exception {
    Node via = nodes.stream().filter(n -> n.process().handle().isAlive()).findFirst().orElseThrow();
    Answer opened = call(via.port(), "POST", "/api/hosts/demo/terminals", new JsonObject().put("cols", 80).put("rows", 24), admin);
    assertThat(opened.status()).as(opened.json().encode()).isEqualTo(201);
    String sid = opened.json().getString("sessionId");
    Node relay = nodeById(opened.json().getString("node"));
    Node other = anyOther(relay);
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try (TermClient user = TermClient.connect(vertx, other.port(), sid, admin)) {
      user.attached(WAIT);
      user.type("echo before-loss\r");
      user.awaitLine("before-loss", WAIT);
      long killed = System.nanoTime();
      relay.process().kill();
      user.awaitClosed(Duration.ofSeconds(15));
      long tookMs = (System.nanoTime() - killed) / 1_000_000;
      assertThat(user.closeReason()).isEqualTo("session_lost");
      time("kill -9 of a terminal's relay: participant closed with session_lost after", tookMs + " ms");
      assertThat(tookMs).as("within 5 s (plus this machine's load)").isLessThan(15_000);
      Answer list = call(other.port(), "GET", "/api/terminals", null, admin);
      for (int i = 0; i < 50 && list.json().encode().contains(sid); i++) {
        Thread.sleep(100);
        list = call(other.port(), "GET", "/api/terminals", null, admin);
      }
      assertThat(list.json().encode()).as("the session left GET /api/terminals").doesNotContain(sid);
      time("kill -9 of a terminal's relay: session gone from GET /api/terminals after", (System.nanoTime() - killed) / 1_000_000 + " ms");
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /** PostgreSQL paused for 15 s (SIGSTOP of the server and its backends), as a hung database host. */
  private void databasePause() throws Exception {
    Node via = nodes.stream().filter(n -> n.process().handle().isAlive()).findFirst().orElseThrow();
    JsonObject longOp = start(via, "long");
    JsonObject mid = start(anyOther(via), "mid");
    awaitRunning("long", 1, WAIT);
    awaitRunning("mid", 1, WAIT);
    ProcessHandle postmaster = ProcessHandle.of(TestDatabase.serverPid()).orElseThrow();
    List<Long> pids = Stream.concat(Stream.of(postmaster), postmaster.descendants()).map(ProcessHandle::pid).toList();
    long paused = System.nanoTime();
    signal("STOP", pids);
    Answer during;
    try {
      // a paused server answers nothing: the node notices with its next probe
      Answer ready = call(via.port(), "GET", "/ready", null, null);
      while (ready.status() != 503 && System.nanoTime() - paused < TimeUnit.SECONDS.toNanos(10)) {
        ready = call(via.port(), "GET", "/ready", null, null);
      }
      assertThat(ready.json().getString("reason")).as(ready.json().encode()).isEqualTo("store_unavailable");
      time("PostgreSQL pause: /ready 503 store_unavailable after", (System.nanoTime() - paused) / 1_000_000 + " ms");
      during = call(via.port(), "GET", "/api/operations?hostId=demo", null, admin);
      Thread.sleep(Math.max(0, 15_000 - (System.nanoTime() - paused) / 1_000_000));
    } finally {
      signal("CONT", pids);
    }
    long resumed = System.currentTimeMillis();
    time("PostgreSQL pause: paused for", (System.nanoTime() - paused) / 1_000_000 + " ms");
    assertThat(during.status()).as(during.json().encode()).isEqualTo(503);
    assertThat(during.json().getString("error")).isEqualTo("store_unavailable");
    time("PostgreSQL pause: HTTP answered 503 store_unavailable in", during.millis() + " ms");
    JsonObject m = awaitEnd(mid.getString("id"), paused, WAIT);
    assertThat(m.getString("status")).as("the one that ended during the pause: " + m.encode()).isEqualTo("completed");
    time("PostgreSQL pause: operation that ended during it recorded completed after", m.getLong("_tookMs") + " ms");
    // every live node has beaten (and swept) past the grace that follows an outage: still nobody's operation is lost
    long graceEnd = resumed + 5_000 + 1_000;
    List<String> live = nodes.stream().filter(n -> n.process().handle().isAlive()).map(Node::id).toList();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      Map<String, Long> beats = heartbeats();
      if (live.stream().allMatch(id -> beats.getOrDefault(id, 0L) > graceEnd + 1_000)) {
        break;
      }
      assertThat(System.nanoTime()).as("heartbeats after the grace").isLessThan(deadline);
      Thread.sleep(200);
    }
    JsonObject l = get(longOp.getString("id"));
    assertThat(l.getString("status")).as("a healthy node's operation after a 15 s pause: " + l.encode()).isEqualTo("in_progress");
    assertThat(running("long")).isEqualTo(1);
    cancelAndAwait(longOp.getString("id"));
    awaitRunning("long", 0, WAIT);
  }
}
