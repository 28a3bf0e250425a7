package dev.opsbus.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.opsbus.demohost.DemoSshServer;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three nodes (separate JVMs, one Hazelcast cluster, one PostgreSQL) behind Debian's nginx running
 * the shipped {@code deploy/nginx/opsbus.conf}: only the node addresses and the listening port are
 * replaced, and TLS is left out (the proxy listens on plain HTTP on loopback). Everything below
 * goes through the proxy: logins and the cluster-wide throttle (clients on 127.0.0.2 and 127.0.0.3,
 * so nginx's X-Forwarded-For names them), the cluster-wide connection cap, vertx-eventbus.js over
 * every SockJS transport with cookie and header auth ({@link EventBusJsThroughProxy}), SockJS sessions
 * kept on their node by the affinity cookie, and one owner per host: each log line and health
 * sample once, and after kill -9 of the owner the tail and the probes resume on another relay, the
 * lines written meanwhile reported once. Last, HAProxy with the shipped file in front of the two
 * nodes left: its health checks, its affinity cookie, and vertx-eventbus.js over every transport again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LoadBalancerIT {

  private static final Duration START = Duration.ofSeconds(120);
  private static final Duration WAIT = Duration.ofSeconds(30);
  /** How fast a lost owner's hosts must be watched again. */
  private static final Duration TAKEOVER = Duration.ofSeconds(10);
  private static final Path NGINX_CONF = Path.of("../deploy/nginx/opsbus.conf");
  private static final Path HAPROXY_CFG = Path.of("../deploy/haproxy/opsbus.cfg");
  private static final List<String> HAPROXY_BINARIES = List.of("/usr/sbin/haproxy", "/usr/bin/haproxy");
  private static final List<String> NGINX_BINARIES = List.of("/usr/sbin/nginx", "/usr/bin/nginx");
  private static final int CAP = 4;
  private static final String SSH_USER = "lb-user";
  private static final String SSH_PASSWORD = "pw-" + Long.toHexString(System.nanoTime()) + "-Lb7";

  @TempDir
  static Path tmp;

  private final List<NodeProcess> nodes = new ArrayList<>();
  private final List<Integer> ports = new ArrayList<>();
  private Process nginx;
  private Process haproxy;
  private int proxyPort;
  private DemoSshServer ssh;
  private Path log;
  private String adminPassword;
  private String admin;
  private NodeClient proxy;

  @BeforeAll
  void startClusterBehindNginx() throws Exception {
    String nginxBinary = NGINX_BINARIES.stream().filter(p -> Files.isExecutable(Path.of(p))).findFirst().orElse(null);
    assumeTrue(nginxBinary != null, "nginx is not installed (Debian's nginx package; .ci/run installs it): "
        + "the load-balancer test is skipped");
    TestDatabase.reset();
    ssh = DemoSshServer.start(DemoSshServer.Options.of(tmp.resolve("host.key"), SSH_USER, SSH_PASSWORD, tmp));
    log = tmp.resolve("app.log");
    Files.writeString(log, "before the tail, never sent\n");

    // the node settings docs/DEPLOY.md gives, with loopback addresses: the proxy is trusted
    Path config = tmp.resolve("opsbus.json");
    Files.writeString(config, new JsonObject()
        .put("gateway", new JsonObject().put("trustedProxies", new JsonArray().add("127.0.0.1/32")))
        .put("bridge", new JsonObject().put("maxConnectionsPerUser", CAP))
        .put("sshRelay", new JsonObject().put("healthPeriodSeconds", 1))
        .encode());
    String cluster = "lb-" + UUID.randomUUID().toString().substring(0, 8);
    for (String name : List.of("lb-1", "lb-2", "lb-3")) {
      nodes.add(NodeProcess.start(name, tmp, "--cluster", "--cluster-name", cluster, "--http-port", "0", "--http-host",
          "127.0.0.1", "--pg-url", TestDatabase.url(), "--data-dir", name, "--config", config.toString()));
    }
    for (NodeProcess n : nodes) {
      ports.add(Integer.parseInt(n.awaitLine(NodeProcess.LISTENING, START).group(2)));
    }
    for (NodeProcess n : nodes) {
      n.awaitLine(Pattern.compile("cluster has 3 members"), START);
    }
    for (NodeProcess n : nodes) {
      Matcher m = NodeClient.GENERATED_ADMIN.matcher(n.output());
      if (m.find()) {
        adminPassword = m.group(1);
      }
    }
    assertThat(adminPassword).as("one node created admin").isNotNull();

    proxyPort = freePort();
    nginx = startNginx(nginxBinary);
    proxy = new NodeClient(proxyPort);
    awaitReadyThroughProxy();
    admin = proxy.login("admin", adminPassword);

    NodeClient.Answer host = proxy.post("/api/hosts", new JsonObject().put("id", "lb").put("address", ssh.host())
        .put("port", ssh.port()).put("username", SSH_USER).put("password", SSH_PASSWORD)
        .put("logs", new JsonArray().add(new JsonObject().put("stream", "app").put("path", log.toString()))), admin);
    assertThat(host.status()).as(host.body()).isEqualTo(201);
    NodeClient.Answer pinned = proxy.post("/api/hosts/lb/host-key", new JsonObject().put("fingerprint", ssh.fingerprint()), admin);
    assertThat(pinned.status()).as(pinned.body()).isBetween(200, 204);
  }

  @AfterAll
  void stopAll() throws Exception {
    if (haproxy != null) {
      haproxy.toHandle().destroy();
      if (!haproxy.waitFor(10, TimeUnit.SECONDS)) {
        haproxy.destroyForcibly();
      }
    }
    if (nginx != null) {
      nginx.toHandle().destroy();
      if (!nginx.waitFor(10, TimeUnit.SECONDS)) {
        nginx.destroyForcibly();
      }
      Files.createDirectories(Path.of("target", "it-logs"));
      Path err = tmp.resolve("nginx").resolve("error.log");
      if (Files.exists(err)) {
        Files.copy(err, Path.of("target", "it-logs", "lb-nginx-error.log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
    for (NodeProcess n : nodes) {
      n.close();
    }
    if (ssh != null) {
      ssh.close();
    }
  }

  // ------------------------------------------------------------------ the tests

  @Test
  @Order(1)
  void failedLoginsFromOneAddressLockOutThatAddressClusterWideAndNoOther() throws Exception {
    String user = "lisa";
    proxy.user(admin, user, List.of("viewer"), List.of("lb"));
    String wrong = new JsonObject().put("username", user).put("password", "not-the-password-1").encode();
    // 10 per user and address within a minute, counted over all three nodes (least_conn spreads them)
    for (int i = 1; i <= 10; i++) {
      RawAnswer a = RawAnswer.post(proxyPort, "127.0.0.2", "/api/login", wrong);
      assertThat(a.status()).as("attempt %d: %s", i, a.body()).isEqualTo(401);
    }
    RawAnswer locked = RawAnswer.post(proxyPort, "127.0.0.2", "/api/login", wrong);
    assertThat(locked.status()).as(locked.body()).isEqualTo(429);
    assertThat(locked.body()).contains("rate_limited");
    // even the right password waits at that address
    String right = new JsonObject().put("username", user).put("password", user + "-password").encode();
    assertThat(RawAnswer.post(proxyPort, "127.0.0.2", "/api/login", right).status()).isEqualTo(429);
    // the same user from another address logs in
    RawAnswer elsewhere = RawAnswer.post(proxyPort, "127.0.0.3", "/api/login", right);
    assertThat(elsewhere.status()).as(elsewhere.body()).isEqualTo(200);
    assertThat(new JsonObject(elsewhere.body()).getString("token")).isNotBlank();
  }

  @Test
  @Order(2)
  void theConnectionCapCountsSocketsOnEveryNode() throws Exception {
    String token = proxy.user(admin, "carl", List.of("viewer"), List.of("lb"));
    List<NodeClient.Bridge> open = new ArrayList<>();
    try {
      for (int i = 0; i < CAP; i++) {
        NodeClient.Bridge b = proxy.bridge(token);
        open.add(b);
        // admitted: a request round trip answers
        String reply = "r" + i;
        b.send(new JsonObject().put("type", "send").put("address", "ops.types").put("replyAddress", reply)
            .put("body", new JsonObject()));
        b.next(f -> reply.equals(f.getString("address")), WAIT);
      }
      // least_conn put them on more than one node
      int nodesUsed = 0;
      for (int port : ports) {
        if (websocketsOn(port) > 0) {
          nodesUsed++;
        }
      }
      assertThat(nodesUsed).as("nodes holding the user's sockets").isGreaterThanOrEqualTo(2);

      NodeClient.Bridge extra = proxy.bridge(token);
      open.add(extra);
      JsonObject refused = extra.next(f -> "err".equals(f.getString("type")), WAIT);
      assertThat(refused.encode()).contains("too_many_connections");

      // one closes: there is room again
      open.get(0).close();
      NodeClient.Bridge again = null;
      for (int attempt = 0; again == null; attempt++) {
        assertThat(attempt).as("a socket is admitted again after one closed").isLessThan(50);
        NodeClient.Bridge b = proxy.bridge(token);
        open.add(b);
        // a socket refused at once may already be closed by the server when we send: then its err frame
        // is what we read below
        b.trySend(new JsonObject().put("type", "send").put("address", "ops.types").put("replyAddress", "again")
            .put("body", new JsonObject()));
        JsonObject f = b.next(x -> "again".equals(x.getString("address")) || "err".equals(x.getString("type")), WAIT);
        if ("again".equals(f.getString("address"))) {
          again = b;
        } else {
          // the close had not been counted yet: wait for that socket's refusal to close, then retry
          b.close();
        }
      }
    } finally {
      open.forEach(NodeClient.Bridge::close);
    }
  }

  @Test
  @Order(3)
  void vertxEventbusJsWorksThroughNginxOverEveryTransport() throws Exception {
    EventBusJsThroughProxy.assertEveryTransportWorks(proxy, admin, proxyPort, ports.get(1), "lb", "n");
  }

  @Test
  @Order(4)
  void theAffinityCookieKeepsEachPollingSessionOnItsNode() throws Exception {
    // different cookies may hash to different nodes, but every request of a session reaches the node that holds it
    for (int s = 0; s < 6; s++) {
      RawAnswer info = RawAnswer.get(proxyPort, "127.0.0.4", "/eventbus/info", null);
      assertThat(new JsonObject(info.body()).getBoolean("cookie_needed")).isTrue();
      String cookie = info.cookie("JSESSIONID");
      assertThat(cookie).isNotBlank();
      String base = "/eventbus/000/s" + s + UUID.randomUUID().toString().substring(0, 8);
      RawAnswer opened = RawAnswer.post(proxyPort, "127.0.0.4", base + "/xhr", "", cookie);
      assertThat(opened.body()).startsWith("o");
      for (int i = 0; i < 3; i++) {
        RawAnswer sent = RawAnswer.post(proxyPort, "127.0.0.4", base + "/xhr_send", "[\"{\\\"type\\\":\\\"ping\\\"}\"]", cookie);
        assertThat(sent.status()).as("send %d of session %d: %s", i, s, sent.body()).isEqualTo(204);
      }
    }
  }

  @Test
  @Order(5)
  void eachHostHasOneOwnerAndAKilledOwnersTailAndProbesResumeElsewhere() throws Exception {
    // one subscriber per node (least_conn spreads three open sockets over the three nodes)
    List<NodeClient.Bridge> watchers = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        NodeClient.Bridge w = proxy.bridge(admin);
        w.register("logs.host.lb.app");
        w.register("metrics.host.lb");
        watchers.add(w);
      }
      int owner = awaitOwner(Set.of(0, 1, 2), WAIT);
      // the tail starts at the end of the file some time after ownership: probe until a line comes through
      int probe = 0;
      List<String> seen = new ArrayList<>();
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (seen.isEmpty()) {
        assertThat(System.nanoTime()).as("the tail delivers a probe line").isLessThan(deadline);
        append("probe " + probe++);
        try {
          seen.addAll(lines(watchers.get(0).next(f -> isLogs(f), Duration.ofMillis(500))));
        } catch (AssertionError notYet) {
          // no line yet
        }
      }
      String lastProbe = "probe " + (probe - 1);
      for (int i = 0; i < watchers.size(); i++) {
        if (i > 0 || !seen.contains(lastProbe)) {
          drainUntil(watchers.get(i), lastProbe);
        }
      }

      List<String> before = numbered("before", 20);
      before.forEach(this::append);
      for (NodeClient.Bridge w : watchers) {
        assertThat(collect(w, "before 20")).as("each line once on every node").containsExactlyElementsOf(before);
      }
      // health samples: one owner, so seqs grow without repeats (three owners would each send every seq)
      long lastSeq = 0;
      for (NodeClient.Bridge w : watchers) {
        List<Long> seqs = new ArrayList<>();
        while (seqs.size() < 4) {
          seqs.add(w.next(LoadBalancerIT::isHealth, WAIT).getJsonObject("body").getLong("seq"));
        }
        assertThat(seqs.subList(1, seqs.size())).as("samples of one owner").isSorted().doesNotHaveDuplicates();
        lastSeq = Math.max(lastSeq, seqs.get(seqs.size() - 1));
      }

      // kill -9 the owner; lines written while nobody watches come from the next owner, once
      nodes.get(owner).kill();
      List<String> gap = numbered("gap", 5);
      gap.forEach(this::append);
      Set<Integer> alive = new HashSet<>(Set.of(0, 1, 2));
      alive.remove(owner);
      // another relay takes the host within the takeover time (its log says so)
      int next = awaitOwner(alive, TAKEOVER);
      assertThat(next).isNotEqualTo(owner);
      List<String> after = numbered("after", 5);
      after.forEach(this::append);
      List<String> expected = new ArrayList<>(gap);
      expected.addAll(after);

      // a watcher on a surviving node: each line once, none missing, and the new owner's samples continue the seq
      NodeClient.Bridge watcher = survivingWatcher(watchers, alive);
      List<String> got = new ArrayList<>();
      while (!got.contains("after 5")) {
        got.addAll(lines(watcher.next(LoadBalancerIT::isLogs, WAIT)));
      }
      assertThat(got).as("lines written around the kill, each once").containsExactlyElementsOf(expected);
      long seqAtTakeover = lastSeq;
      JsonObject sample = watcher.next(f -> isHealth(f) && f.getJsonObject("body").getLong("seq") > seqAtTakeover + 2, WAIT);
      assertThat(sample.getJsonObject("body").getString("hostId")).isEqualTo("lb");
    } finally {
      watchers.forEach(NodeClient.Bridge::close);
    }
  }

  @Test
  @Order(6)
  void theHaproxyFileChecksReadyAndSticksPollingSessionsByItsCookie() throws Exception {
    String binary = HAPROXY_BINARIES.stream().filter(p -> Files.isExecutable(Path.of(p))).findFirst().orElse(null);
    assumeTrue(binary != null, "haproxy is not installed (Debian's haproxy package; .ci/run installs it): skipped");
    int port = freePort();
    // the shipped file with the test's ports, TLS left out, and a global section of its own
    String cfg = "global\n    maxconn 2000\n\n" + Files.readString(HAPROXY_CFG)
        .replace("10.0.0.11:8080", "127.0.0.1:" + ports.get(0))
        .replace("10.0.0.12:8080", "127.0.0.1:" + ports.get(1))
        .replace("10.0.0.13:8080", "127.0.0.1:" + ports.get(2))
        .replace("bind :443 ssl crt /etc/haproxy/tls/opsbus.pem alpn http/1.1", "bind 127.0.0.1:" + port)
        .replace("bind :80", "bind 127.0.0.1:" + freePort());
    Path file = tmp.resolve("haproxy.cfg");
    Files.writeString(file, cfg);
    Process check = new ProcessBuilder(binary, "-c", "-f", file.toString()).redirectErrorStream(true).start();
    String checked = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(check.waitFor()).as("haproxy -c:%n%s", checked).isZero();
    haproxy = new ProcessBuilder(binary, "-db", "-f", file.toString()).redirectErrorStream(true)
        .redirectOutput(tmp.resolve("haproxy.log").toFile()).start();

    // one node was killed by the test before: the active /ready check keeps requests off it
    long deadline = System.nanoTime() + WAIT.toNanos();
    int ok = 0;
    while (ok < 10) {
      assertThat(haproxy.isAlive()).as("haproxy runs").isTrue();
      assertThat(System.nanoTime()).as("ten answers from live nodes through haproxy").isLessThan(deadline);
      try {
        RawAnswer ready = RawAnswer.get(port, "127.0.0.5", "/ready", null);
        ok = ready.status() == 200 ? ok + 1 : 0;
      } catch (IOException notYet) {
        ok = 0;
      }
    }

    // HAProxy's own cookie names the node; every request of a polling session that carries it reaches that node
    for (int s = 0; s < 4; s++) {
      RawAnswer info = RawAnswer.get(port, "127.0.0.5", "/eventbus/info", null);
      assertThat(info.status()).isEqualTo(200);
      String node = info.cookie("OPSBUS_NODE");
      assertThat(node).as(info.head()).startsWith("node");
      String cookie = "OPSBUS_NODE=" + node;
      String base = "/eventbus/000/h" + s + UUID.randomUUID().toString().substring(0, 8);
      assertThat(RawAnswer.post(port, "127.0.0.5", base + "/xhr", "", cookie).body()).startsWith("o");
      for (int i = 0; i < 3; i++) {
        RawAnswer sent = RawAnswer.post(port, "127.0.0.5", base + "/xhr_send", "[\"{\\\"type\\\":\\\"ping\\\"}\"]", cookie);
        assertThat(sent.status()).as("send %d of session %d: %s", i, s, sent.body()).isEqualTo(204);
      }
    }

    // the two nodes left, behind HAProxy: the browser client over every transport, its cookie kept
    int live = ports.stream().filter(LoadBalancerIT::isReady).findFirst().orElseThrow();
    EventBusJsThroughProxy.assertEveryTransportWorks(new NodeClient(port), admin, port, live, "lb", "h");
  }

  // ------------------------------------------------------------------ helpers

  private static boolean isReady(int port) {
    try {
      return new NodeClient(port).get("/ready", null).status() == 200;
    } catch (Exception gone) {
      return false;
    }
  }

  private NodeClient.Bridge survivingWatcher(List<NodeClient.Bridge> watchers, Set<Integer> alive) throws Exception {
    // a watcher whose socket survived answers a request; one that sat on the killed node does not
    for (NodeClient.Bridge w : watchers) {
      try {
        w.send(new JsonObject().put("type", "send").put("address", "ops.types").put("replyAddress", "alive?")
            .put("body", new JsonObject()));
        w.next(f -> "alive?".equals(f.getString("address")), Duration.ofSeconds(10));
        return w;
      } catch (RuntimeException | AssertionError dead) {
        // try the next one
      }
    }
    throw new AssertionError("no watcher survived on " + alive);
  }

  /** Waits until one of {@code candidates} logs that it watches host lb (and has not given it up since). */
  private int awaitOwner(Set<Integer> candidates, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      for (int i : candidates) {
        String out = nodes.get(i).output();
        if (count(out, "host lb is watched by this relay now") > count(out, "host lb is no longer watched by this relay")) {
          return i;
        }
      }
      synchronized (this) {
        wait(100);
      }
    }
    throw new AssertionError("no relay among " + candidates + " watches host lb within " + timeout);
  }

  private static int count(String text, String needle) {
    int n = 0;
    for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
      n++;
    }
    return n;
  }

  private static boolean isLogs(JsonObject f) {
    return "rec".equals(f.getString("type")) && "logs.host.lb.app".equals(f.getString("address"));
  }

  private static boolean isHealth(JsonObject f) {
    return "rec".equals(f.getString("type")) && "metrics.host.lb".equals(f.getString("address"));
  }

  private static List<String> lines(JsonObject frame) {
    List<String> out = new ArrayList<>();
    frame.getJsonObject("body").getJsonArray("lines").forEach(l -> out.add((String) l));
    return out;
  }

  private static void drainUntil(NodeClient.Bridge w, String last) throws InterruptedException {
    while (!lines(w.next(LoadBalancerIT::isLogs, WAIT)).contains(last)) {
      // earlier probes
    }
  }

  /** Log lines on {@code w} until {@code last} arrives. */
  private static List<String> collect(NodeClient.Bridge w, String last) throws InterruptedException {
    List<String> got = new ArrayList<>();
    while (!got.contains(last)) {
      got.addAll(lines(w.next(LoadBalancerIT::isLogs, WAIT)));
    }
    return got;
  }

  private static List<String> numbered(String prefix, int n) {
    List<String> out = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      out.add(prefix + " " + i);
    }
    return out;
  }

  private void append(String line) {
    try {
      Files.writeString(log, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private int websocketsOn(int port) throws Exception {
    NodeClient.Answer metrics = new NodeClient(port).get("/metrics", null);
    for (String line : metrics.body().split("\n")) {
      if (line.startsWith("opsbus_bridge_connections{") && line.contains("transport=\"websocket\"")) {
        return (int) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return 0;
  }

  /** The shipped nginx file with the test's node ports and listening port, TLS left out; nginx in the foreground. */
  private Process startNginx(String binary) throws Exception {
    Path prefix = Files.createDirectories(tmp.resolve("nginx"));
    String site = Files.readString(NGINX_CONF)
        .replace("10.0.0.11:8080", "127.0.0.1:" + ports.get(0))
        .replace("10.0.0.12:8080", "127.0.0.1:" + ports.get(1))
        .replace("10.0.0.13:8080", "127.0.0.1:" + ports.get(2))
        .replace("listen 443 ssl;", "listen 127.0.0.1:" + proxyPort + ";")
        .replace("listen 80;", "listen 127.0.0.1:" + freePort() + ";");
    site = String.join("\n", site.lines().filter(l -> !l.trim().startsWith("ssl_")).toList()) + "\n";
    Files.writeString(prefix.resolve("opsbus.conf"), site);
    for (String d : List.of("body", "proxy", "fastcgi", "uwsgi", "scgi")) {
      Files.createDirectories(prefix.resolve(d));
    }
    String main = ("root".equals(System.getProperty("user.name")) ? "user root;\n" : "")
        + "daemon off;\nworker_processes 1;\npid " + prefix.resolve("nginx.pid") + ";\n"
        + "error_log " + prefix.resolve("error.log") + " info;\n"
        + "events { worker_connections 1024; }\n"
        + "http {\n"
        + "  access_log " + prefix.resolve("access.log") + ";\n"
        + "  client_body_temp_path " + prefix.resolve("body") + ";\n"
        + "  proxy_temp_path " + prefix.resolve("proxy") + ";\n"
        + "  fastcgi_temp_path " + prefix.resolve("fastcgi") + ";\n"
        + "  uwsgi_temp_path " + prefix.resolve("uwsgi") + ";\n"
        + "  scgi_temp_path " + prefix.resolve("scgi") + ";\n"
        + "  include " + prefix.resolve("opsbus.conf") + ";\n"
        + "}\n";
    Files.writeString(prefix.resolve("nginx.conf"), main);
    Process test = new ProcessBuilder(binary, "-t", "-p", prefix.toString(), "-c", prefix.resolve("nginx.conf").toString(),
        "-e", prefix.resolve("error.log").toString()).redirectErrorStream(true).start();
    String checked = new String(test.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(test.waitFor()).as("nginx -t:%n%s", checked).isZero();
    return new ProcessBuilder(binary, "-p", prefix.toString(), "-c", prefix.resolve("nginx.conf").toString(),
        "-e", prefix.resolve("error.log").toString())
        .redirectErrorStream(true).redirectOutput(prefix.resolve("stdout.log").toFile()).start();
  }

  private void awaitReadyThroughProxy() throws Exception {
    long deadline = System.nanoTime() + START.toNanos();
    while (true) {
      try {
        if (proxy.get("/ready", null).status() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // nginx is not listening yet
      }
      assertThat(nginx.isAlive()).as("nginx runs").isTrue();
      assertThat(System.nanoTime()).as("ready through nginx").isLessThan(deadline);
      synchronized (this) {
        wait(100);
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** One HTTP/1.1 exchange ({@code Connection: close}) from a chosen loopback address, so nginx's X-Forwarded-For names that address. */
  record RawAnswer(int status, String head, String body) {

    static RawAnswer post(int port, String from, String path, String json) throws IOException {
      return exchange(port, from, "POST", path, json, null);
    }

    static RawAnswer post(int port, String from, String path, String body, String cookie) throws IOException {
      return exchange(port, from, "POST", path, body, cookie);
    }

    static RawAnswer get(int port, String from, String path, String cookie) throws IOException {
      return exchange(port, from, "GET", path, null, cookie);
    }

    static RawAnswer exchange(int port, String from, String method, String path, String body, String cookie) throws IOException {
      try (Socket s = new Socket()) {
        s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
        s.setSoTimeout(30_000);
        byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        StringBuilder req = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
            + "\r\nConnection: close\r\n");
        if (body != null) {
          req.append("Content-Type: ").append(path.startsWith("/api/") ? "application/json" : "text/plain")
              .append("\r\nContent-Length: ").append(b.length).append("\r\n");
        }
        if (cookie != null) {
          req.append("Cookie: ").append(cookie.contains("=") ? cookie : "JSESSIONID=" + cookie).append("\r\n");
        }
        req.append("\r\n");
        OutputStream out = s.getOutputStream();
        out.write(req.toString().getBytes(StandardCharsets.US_ASCII));
        out.write(b);
        out.flush();
        InputStream in = s.getInputStream();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        in.transferTo(all);
        String text = all.toString(StandardCharsets.UTF_8);
        int split = text.indexOf("\r\n\r\n");
        String head = split < 0 ? text : text.substring(0, split);
        String rest = split < 0 ? "" : text.substring(split + 4);
        if (head.toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding: chunked")) {
          rest = unchunk(rest);
        }
        int status = Integer.parseInt(head.substring(head.indexOf(' ') + 1, head.indexOf(' ') + 4));
        return new RawAnswer(status, head, rest);
      }
    }

    /** The body of a chunked answer (sizes in hex, each chunk followed by CRLF, a 0 chunk last). */
    static String unchunk(String chunked) {
      StringBuilder out = new StringBuilder();
      int i = 0;
      while (i < chunked.length()) {
        int eol = chunked.indexOf("\r\n", i);
        if (eol < 0) {
          break;
        }
        int size = Integer.parseInt(chunked.substring(i, eol).split(";")[0].trim(), 16);
        if (size == 0) {
          break;
        }
        out.append(chunked, eol + 2, eol + 2 + size);
        i = eol + 2 + size + 2;
      }
      return out.toString();
    }

    /** The value the answer sets for cookie {@code name}, or null. */
    String cookie(String name) {
      for (String line : head.split("\r\n")) {
        if (line.toLowerCase(java.util.Locale.ROOT).startsWith("set-cookie:")) {
          String v = line.substring("set-cookie:".length()).trim();
          if (v.startsWith(name + "=")) {
            int end = v.indexOf(';');
            return v.substring(name.length() + 1, end < 0 ? v.length() : end);
          }
        }
      }
      return null;
    }
  }
}
