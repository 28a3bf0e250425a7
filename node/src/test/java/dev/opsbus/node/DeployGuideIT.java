package dev.opsbus.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.opsbus.demohost.DemoSshServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * docs/DEPLOY.md followed step by step on one machine, the three "machines" of the guide being three
 * node processes on loopback with ports of their own. The steps are the doc's code blocks marked
 * {@code <!-- ci: NAME -->} ({@link DeployGuide}), so the doc and this test cannot drift apart:
 * Debian's PostgreSQL (a server cluster of its own made with the package's {@code initdb} and
 * {@code pg_ctl}, since there is no systemd to start the packaged one) with the doc's
 * {@code listen_addresses}, {@code pg_hba.conf} lines, role and database; the machine layout and the
 * shared key files; the node settings file and config file; each node started with the shipped
 * unit's ExecStart, EnvironmentFile, WorkingDirectory and User (read from the unit, so a change of
 * the unit changes what runs); Debian's nginx with the shipped file, TLS with the doc's self-signed
 * certificate. Through the proxy it checks what a user sees: the redirect to https, /ready, the first
 * login and the admin's password change, a first host added, pinned and reached by an operation, the
 * client's address recorded through the trusted proxy, the token on every node, a bus connection.
 * Last, the unit's graceful stop: its KillSignal to one node running an operation (a type the test
 * adds to the doc's opsbus.json, so the drain lasts long enough to watch), which answers /ready 503
 * node_draining, tells its client, lets the operation complete, then exits 0 within TimeoutStopSec,
 * while the proxy keeps serving from the others. The "How CI follows this page" section of
 * DEPLOY.md lists every liberty taken.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeployGuideIT {

  private static final Duration START = Duration.ofSeconds(120);
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final List<String> NGINX_BINARIES = List.of("/usr/sbin/nginx", "/usr/bin/nginx");
  private static final String SSH_USER = "deploy-guide";
  private static final String SSH_PASSWORD = "ssh-" + Long.toHexString(System.nanoTime()) + "-Dg5";
  /** The doc's example addresses: three nodes, the proxy, the database. */
  private static final List<String> NODE_ADDRESSES = List.of("10.0.0.11", "10.0.0.12", "10.0.0.13");
  private static final String PROXY_ADDRESS = "10.0.0.10";
  private static final String PG_ADDRESS = "10.0.0.20";
  /** An operation type of the test's (added to the doc's opsbus.json): runs while a node stops. */
  private static final String HOLD = "hold";
  private static final int HOLD_SECONDS = 4;
  /** The placeholder of the role's password, in the database block and in OPSBUS_PG_URL. */
  private static final String DB_PASSWORD = "<the role password>";

  private final DeployGuide doc;
  private Path base;
  private Path pgData;
  private Path pgBin;
  private int pgPort;
  private final List<NodeProcess> nodes = new ArrayList<>();
  private final List<Integer> httpPorts = new ArrayList<>();
  private final List<Path> machines = new ArrayList<>();
  private Process nginx;
  private int httpsPort;
  private int httpPort;
  private HttpClient tls;
  private DemoSshServer ssh;
  private final String dbPassword = random(24);
  private final String firstAdminPassword = "first-" + random(8);
  private final String adminPassword = "mine-" + random(8);
  private String token;
  private String operationId;

  DeployGuideIT() throws IOException {
    doc = DeployGuide.read();
  }

  @BeforeAll
  void followTheGuide() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")),
        "the guide's steps run as root (sudo) and PostgreSQL's as the postgres user: skipped when not root");
    pgBin = postgresBin();
    assumeTrue(pgBin != null && DeployGuide.userExists("postgres"),
        "Debian's postgresql package is not installed (.ci/run installs it): the deploy guide test is skipped");
    String nginxBinary = NGINX_BINARIES.stream().filter(p -> Files.isExecutable(Path.of(p))).findFirst().orElse(null);
    assumeTrue(nginxBinary != null, "nginx is not installed (.ci/run installs it): the deploy guide test is skipped");
    assumeTrue(onPath("curl") && onPath("openssl"), "curl or openssl is missing (.ci/run installs them): skipped");

    // a directory everyone may enter: the postgres user keeps its cluster below it
    base = Files.createTempDirectory("opsbus-deploy-guide");
    Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));

    postgres();
    Path keys = Files.createDirectories(base.resolve("keys-made-once"));
    DeployGuide.run("keys-make", DeployGuide.script("keys-make", doc.block("keys-make"), null, Map.of(), DeployGuideIT::log),
        keys, Map.of(), DeployGuideIT::log);

    String cluster = "opsbus-prod-" + UUID.randomUUID().toString().substring(0, 8);
    for (int i = 0; i < 3; i++) {
      Path root = Files.createDirectories(base.resolve("node" + (i + 1)));
      // what a Debian machine with systemd has before the guide starts
      Files.createDirectories(root.resolve("etc/systemd/system"));
      machines.add(root);
      DeployGuide.run("machine", DeployGuide.script("machine", doc.block("machine"), root, Map.of(), DeployGuideIT::log),
          DeployGuide.REPO, Map.of(), DeployGuideIT::log);
      DeployGuide.run("keys-install", DeployGuide.script("keys-install", doc.block("keys-install"), root, Map.of(),
          DeployGuideIT::log), keys, Map.of(), DeployGuideIT::log);
      httpPorts.add(freePort());
      writeSettings(i, root, cluster, freePort());
    }

    // systemd-analyze verify the shipped unit where the binary exists (CI's container has no systemd)
    if (Files.isExecutable(Path.of("/usr/bin/systemd-analyze")) || Files.isExecutable(Path.of("/bin/systemd-analyze"))) {
      Process v = new ProcessBuilder("systemd-analyze", "verify", DeployGuide.UNIT.toAbsolutePath().normalize().toString())
          .redirectErrorStream(true).start();
      String said = new String(v.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(v.waitFor()).as("systemd-analyze verify:%n%s", said).isZero();
      log("[unit] systemd-analyze verify accepts " + DeployGuide.UNIT + (said.isBlank() ? "" : ": " + said.strip()));
    } else {
      log("[unit] no systemd-analyze on this machine: the unit is not verified, only run");
    }

    // the guide says "all at once": start the three from the unit together
    for (int i = 0; i < 3; i++) {
      nodes.add(startFromUnit(i));
    }
    for (NodeProcess n : nodes) {
      n.awaitLine(NodeProcess.LISTENING, START);
    }
    for (NodeProcess n : nodes) {
      n.awaitLine(Pattern.compile("cluster has 3 members"), START);
    }

    ssh = DemoSshServer.start(DemoSshServer.Options.of(base.resolve("host.key"), SSH_USER, SSH_PASSWORD, base));
    startNginx(nginxBinary);
  }

  @AfterAll
  void stopAll() throws Exception {
    if (nginx != null) {
      nginx.toHandle().destroy();
      if (!nginx.waitFor(10, TimeUnit.SECONDS)) {
        nginx.destroyForcibly();
      }
    }
    for (NodeProcess n : nodes) {
      n.close();
    }
    if (ssh != null) {
      ssh.close();
    }
    if (pgData != null) {
      asPostgres(pgBin.resolve("pg_ctl").toString(), "-D", pgData.toString(), "-m", "fast", "-w", "stop");
    }
    if (base != null) {
      try (Stream<Path> all = Files.walk(base)) {
        all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  // ------------------------------------------------------------------ the checks

  @Test
  @Order(1)
  void theProxyRedirectsToHttpsAndAnswersReadyOverTls() throws Exception {
    // nginx was only started: wait until it listens (and a node behind it is ready) before the plain request
    JsonObject body = new JsonObject(awaitReady().body());
    HttpResponse<String> plain = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + httpPort + "/ready")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(plain.statusCode()).isEqualTo(301);
    assertThat(plain.headers().firstValue("location").orElse("")).startsWith("https://");

    assertThat(body.getString("status")).isEqualTo("ready");
    assertThat(body.getString("db")).isEqualTo("up");
    assertThat(body.getString("cluster")).isEqualTo("clustered");
    // the proxy reaches every node of the edited file (least_conn spreads sequential requests)
    Set<String> answered = new java.util.HashSet<>();
    // (a node that answered 503 while it started sits out nginx's fail_timeout, 10 s)
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (answered.size() < 3 && System.nanoTime() < deadline) {
      HttpResponse<String> r = get("/ready", null);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      answered.add(new JsonObject(r.body()).getString("node"));
      pause(100);
    }
    assertThat(answered).as("nodes answering /ready through nginx").hasSize(3);
  }

  @Test
  @Order(2)
  void theFirstLoginChangesTheAdminPasswordAndAFirstHostAnswersAnOperation() throws Exception {
    // the doc's own curl commands, against the proxy over TLS (its certificate trusted, its name resolved to loopback)
    Path curlHome = Files.createDirectories(base.resolve("curl"));
    Files.writeString(curlHome.resolve(".curlrc"), "resolve = opsbus.example.com:" + httpsPort + ":127.0.0.1\n"
        + "cacert = " + proxyRoot().resolve("etc/nginx/tls/opsbus.crt") + "\n");
    Map<String, String> replace = new LinkedHashMap<>();
    replace.put("https://opsbus.example.com", "https://opsbus.example.com:" + httpsPort);
    replace.put("<the first admin password>", firstAdminPassword);
    replace.put("<your admin password>", adminPassword);
    replace.put("10.0.1.21", ssh.host());
    replace.put("\"port\":22", "\"port\":" + ssh.port());
    replace.put("\"username\":\"opsbus\"", "\"username\":\"" + SSH_USER + "\"");
    replace.put("<its SSH password>", SSH_PASSWORD);
    // the user compares the offered key with the host's own: the demo server's is known here
    replace.put("<SHA256:... as the host shows it>", ssh.fingerprint());
    String script = DeployGuide.script("first-login", doc.block("first-login"), null, replace, DeployGuideIT::log)
        + DeployGuide.script("first-host", doc.block("first-host"), null, replace, DeployGuideIT::log).replace("set -euo pipefail\n", "")
        + "echo\necho \"TOKEN=$TOKEN\"\n";
    String out = DeployGuide.run("first-login + first-host", script, base, Map.of("CURL_HOME", curlHome.toString()),
        DeployGuideIT::log);
    log("[first-login + first-host] output:\n" + out);
    Matcher t = Pattern.compile("TOKEN=(\\S+)").matcher(out);
    assertThat(t.find()).as(out).isTrue();
    token = t.group(1);

    // the password is the admin's own now: the first one is refused, the new one logs in
    assertThat(post("/api/login", new JsonObject().put("username", "admin").put("password", firstAdminPassword), null)
        .statusCode()).isEqualTo(401);
    assertThat(post("/api/login", new JsonObject().put("username", "admin").put("password", adminPassword), null)
        .statusCode()).isEqualTo(200);
    // the offered key as the doc's GET showed it
    assertThat(out).contains(ssh.fingerprint());
    // the operation the doc's last call started, as the operations list shows it
    JsonObject ops = new JsonObject(get("/api/operations?hostId=web1", token).body());
    log("[first-host] operations of web1: " + ops.encode());
    JsonObject started = ops.getJsonArray("operations").stream().map(JsonObject.class::cast)
        .filter(o -> "ssh_test".equals(o.getString("operationType"))).findFirst()
        .orElseThrow(() -> new AssertionError("no ssh_test operation of web1: " + ops.encode()));
    operationId = started.getString("id");

    // the operation ran over SSH with the sealed password, opened by whichever node owns it
    JsonObject done = null;
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (done == null) {
      JsonObject answer = new JsonObject(get("/api/operations/" + operationId, token).body());
      JsonObject o = answer.containsKey("operation") ? answer.getJsonObject("operation") : answer;
      if (Set.of("completed", "failed", "cancelled", "node_lost").contains(o.getString("status"))) {
        done = o;
      }
      assertThat(System.nanoTime()).as("operation %s ends; last %s", operationId, o).isLessThan(deadline);
      TimeUnit.MILLISECONDS.sleep(200);
    }
    assertThat(done.getString("status")).as(done.encode()).isEqualTo("completed");
    assertThat(done.getJsonObject("metadata").getInteger("exitStatus")).as(done.encode()).isZero();
    // ssh_test's last line is the host's `uname -sr`
    assertThat(done.getString("message")).as(done.encode()).startsWith("Linux");
  }

  @Test
  @Order(3)
  void theNodesTakeTheClientAddressFromTheTrustedProxy() throws Exception {
    // a failed login from 127.0.0.2 through nginx: with the proxy in gateway.trustedProxies, the node
    // records the client's address (X-Forwarded-For), not the proxy's
    ProcessBuilder pb = new ProcessBuilder("curl", "-sS", "--interface", "127.0.0.2", "-o", "/dev/null", "-w", "%{http_code}",
        "-X", "POST", "https://opsbus.example.com:" + httpsPort + "/api/login", "-H", "Content-Type: application/json",
        "-d", new JsonObject().put("username", "admin").put("password", "not-the-password-7").encode())
        .redirectErrorStream(true);
    // the .curlrc of the first-login step: the name resolves to loopback, the certificate is trusted
    pb.environment().put("CURL_HOME", base.resolve("curl").toString());
    Process curl = pb.start();
    String status = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(curl.waitFor()).as(status).isZero();
    assertThat(status).isEqualTo("401");
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      String activity = get("/api/activity", token).body();
      if (activity.contains("\"remote\":\"127.0.0.2\"")) {
        break;
      }
      assertThat(System.nanoTime()).as("a failed login from 127.0.0.2 in the activity log: %s", activity).isLessThan(deadline);
      TimeUnit.MILLISECONDS.sleep(200);
    }
  }

  @Test
  @Order(4)
  void aTokenFromTheProxyWorksOnEveryNodeAndTheBusAnswersOverTls() throws Exception {
    // one JWT key on every node (the keys step): the token is taken by each node directly
    for (int port : httpPorts) {
      NodeClient.Answer me = new NodeClient(port).get("/api/me", token);
      assertThat(me.status()).as("node on %d: %s", port, me.body()).isEqualTo(200);
      assertThat(me.json().getString("username")).isEqualTo("admin");
    }
    // a bus connection through nginx's WebSocket upgrade over TLS
    NodeClient.Bridge bus = new NodeClient.Bridge();
    tls.newWebSocketBuilder().header("Authorization", "Bearer " + token)
        .buildAsync(URI.create("wss://127.0.0.1:" + httpsPort + "/eventbus/websocket"), bus).get(20, TimeUnit.SECONDS);
    try {
      bus.send(new JsonObject().put("type", "send").put("address", "ops.types").put("replyAddress", "types")
          .put("body", new JsonObject()));
      JsonObject reply = bus.next(f -> "types".equals(f.getString("address")), WAIT);
      assertThat(reply.encode()).contains("ssh_test");
    } finally {
      bus.close();
    }
  }

  @Test
  @Order(5)
  void theUnitsKillSignalDrainsANodeWhichExitsCleanlyWhileTheProxyServesOn() throws Exception {
    Map<String, List<String>> unit = DeployGuide.service();
    String signal = one(unit, "KillSignal", "SIGTERM");
    long timeoutStop = DeployGuide.seconds(one(unit, "TimeoutStopSec", "90"));
    Set<Integer> success = new java.util.HashSet<>(Set.of(0));
    for (String v : unit.getOrDefault("SuccessExitStatus", List.of())) {
      for (String w : v.split("\\s+")) {
        if (w.matches("\\d+")) {
          success.add(Integer.parseInt(w));
        }
      }
    }
    NodeProcess node = nodes.get(2);
    int port = httpPorts.get(2);
    // watch the node's own /ready from before the signal until it is gone
    List<String> seen = new CopyOnWriteArrayList<>();
    AtomicBoolean watching = new AtomicBoolean(true);
    Thread watcher = new Thread(() -> {
      NodeClient direct = new NodeClient(port);
      while (watching.get()) {
        try {
          NodeClient.Answer a = direct.get("/ready", null);
          seen.add(a.status() + " " + a.body());
        } catch (Exception gone) {
          seen.add("gone: " + gone);
          pause(10);
        }
      }
    }, "ready-watcher");
    // an operation running on that node: the stop lets it finish (the bus picks the node that runs it)
    String nodeId = new NodeClient(port).get("/ready", null).json().getString("node");
    String held = holdOn(port, nodeId);
    // a real-time client on that node, and requests through the proxy all along
    NodeClient.Bridge client = new NodeClient(port).bridge(token);
    List<String> throughProxy = new CopyOnWriteArrayList<>();
    Thread user = new Thread(() -> {
      while (watching.get()) {
        try {
          HttpResponse<String> r = get("/api/me", token);
          throughProxy.add(r.statusCode() + " " + r.body());
        } catch (Exception e) {
          throughProxy.add("failed: " + e);
        }
        pause(50);
      }
    }, "proxy-user");
    watcher.start();
    user.start();
    long t0 = System.nanoTime();
    Process kill = new ProcessBuilder("kill", "-s", signal.replaceFirst("^SIG", ""), String.valueOf(node.handle().pid()))
        .inheritIO().start();
    assertThat(kill.waitFor()).isZero();
    int code = node.awaitExit(Duration.ofSeconds(timeoutStop));
    long took = (System.nanoTime() - t0) / 1_000_000;
    watching.set(false);
    watcher.join(30_000);
    user.join(30_000);
    List<String> answers = List.copyOf(seen);
    log("[stop] " + signal + ": exit " + code + " after " + took + " ms (TimeoutStopSec " + timeoutStop + " s); its /ready: "
        + summary(answers) + "; through the proxy meanwhile: " + summary(throughProxy));
    assertThat(code).as("exit code; success per the unit: %s; output:%n%s", success, node.output()).isIn(success);
    // the documented code: "exits 0"
    assertThat(code).isZero();
    // the node's client was told to reconnect elsewhere before its socket closed
    JsonObject told = client.next(f -> "err".equals(f.getString("type")), WAIT);
    assertThat(told.encode()).contains("node_draining");
    client.close();
    assertThat(throughProxy).as("requests through the proxy while the node stopped").isNotEmpty()
        .allMatch(a -> a.startsWith("200"));
    int firstDraining = indexOf(answers, a -> a.startsWith("503") && a.contains("node_draining"));
    assertThat(firstDraining).as("/ready answered 503 node_draining before the node went: %s", summary(answers))
        .isGreaterThanOrEqualTo(0);
    assertThat(answers.subList(firstDraining, answers.size())).as("no 200 after the first 503")
        .noneMatch(a -> a.startsWith("200"));
    assertThat(node.output()).contains("draining");
    JsonObject finished = awaitOperationEnd(held);
    assertThat(finished.getString("status")).as("the operation running at the stop: %s", finished).isEqualTo("completed");

    // the proxy serves on from the two others
    for (int i = 0; i < 6; i++) {
      HttpResponse<String> ready = get("/ready", null);
      assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
      assertThat(post("/api/login", new JsonObject().put("username", "admin").put("password", adminPassword), null)
          .statusCode()).isEqualTo(200);
    }
  }

  // ------------------------------------------------------------------ the guide's steps

  /** Step 1: a PostgreSQL server of the package's binaries, set up as the doc says, and the doc's role and database. */
  private void postgres() throws Exception {
    pgPort = freePort();
    pgData = base.resolve("pg");
    Path sockets = Files.createDirectories(base.resolve("pg-sockets"));
    Files.createDirectories(pgData);
    chownPostgres(pgData);
    chownPostgres(sockets);
    asPostgresOk(pgBin.resolve("initdb").toString(), "-D", pgData.toString(), "--auth-local=peer", "--auth-host=scram-sha-256",
        "-E", "UTF8", "--locale=C");
    // the doc's settings with the database's address on loopback; the port and socket directory are the test's
    String conf = DeployGuide.commands(doc.block("postgresql.conf")).stream()
        .map(l -> l.replace(PG_ADDRESS, "127.0.0.1")).reduce("", (a, b) -> a + b + "\n");
    Files.writeString(pgData.resolve("postgresql.conf"), "\n# the test's own\nport = " + pgPort
        + "\nunix_socket_directories = '" + sockets + "'\n# docs/DEPLOY.md\n" + conf, java.nio.file.StandardOpenOption.APPEND);
    // a Debian install's pg_hba.conf starts with the postgres user's local peer line; the doc's lines follow
    String hba = DeployGuide.commands(doc.block("pg_hba.conf")).stream()
        .map(l -> NODE_ADDRESSES.stream().reduce(l, (x, a) -> x.replace(a + "/32", "127.0.0.1/32")))
        .reduce("", (a, b) -> a + b + "\n");
    assertThat(hba).contains("127.0.0.1/32");
    Files.writeString(pgData.resolve("pg_hba.conf"), "local all postgres peer\n" + hba);
    asPostgresOk(pgBin.resolve("pg_ctl").toString(), "-D", pgData.toString(), "-l", pgData.resolve("server.log").toString(),
        "-w", "start");
    log("[postgres] " + pgBin + " cluster in " + pgData + " on port " + pgPort + " (systemctl restart postgresql left out)");
    DeployGuide.run("database", DeployGuide.script("database", doc.block("database"), null,
        Map.of(DB_PASSWORD, dbPassword), DeployGuideIT::log), base,
        Map.of("PGHOST", sockets.toString(), "PGPORT", String.valueOf(pgPort)), DeployGuideIT::log);
  }

  /** Step 3: the doc's opsbus.env (addresses on loopback, the test's ports and passwords) and opsbus.json. */
  private void writeSettings(int i, Path root, String cluster, int eventBusPort) throws IOException {
    Map<String, String> env = DeployGuide.environmentFile(doc.block("opsbus.env"));
    StringBuilder file = new StringBuilder("# docs/DEPLOY.md's opsbus.env, addresses and ports of the test\n");
    for (Map.Entry<String, String> e : env.entrySet()) {
      String v = e.getValue();
      v = switch (e.getKey()) {
        case "OPSBUS_HTTP_HOST", "OPSBUS_CLUSTER_HOST" -> {
          assertThat(v).isEqualTo(NODE_ADDRESSES.get(0));
          yield "127.0.0.1";
        }
        case "OPSBUS_HTTP_PORT" -> String.valueOf(httpPorts.get(i));
        // Hazelcast takes 5701 or the next free port up (cluster.xml): all three on one address, probed from 5701
        case "OPSBUS_CLUSTER_MEMBERS" -> "127.0.0.1";
        case "OPSBUS_CLUSTER_NAME" -> cluster;
        case "OPSBUS_EVENTBUS_PORT" -> String.valueOf(eventBusPort);
        case "OPSBUS_PG_URL" -> v.replace(DB_PASSWORD, dbPassword).replace(PG_ADDRESS + ":5432", "127.0.0.1:" + pgPort);
        case "OPSBUS_ADMIN_PASSWORD" -> v.replace("<the first admin password>", firstAdminPassword);
        default -> v;
      };
      assertThat(v).as(e.getKey()).doesNotContain("<").doesNotContain("10.0.0.");
      file.append(e.getKey()).append('=').append(v).append('\n');
    }
    Path envFile = root.resolve("etc/opsbus/opsbus.env");
    Files.writeString(envFile, file);
    Files.setPosixFilePermissions(envFile, PosixFilePermissions.fromString("rw-------"));
    JsonObject json = new JsonObject(doc.block("opsbus.json").replace(PROXY_ADDRESS + "/32", "127.0.0.1/32"));
    assertThat(json.getJsonObject("gateway").getJsonArray("trustedProxies").getString(0)).isEqualTo("127.0.0.1/32");
    // the test's own addition: an operation that runs a few seconds, to stop a node while it runs
    assertThat(json.containsKey("operations")).isFalse();
    json.put("operations", new JsonObject().put("commands", new io.vertx.core.json.JsonArray().add(new JsonObject()
        .put("name", HOLD).put("command", "sleep " + HOLD_SECONDS).put("roles", new io.vertx.core.json.JsonArray().add("operator")))));
    Files.writeString(root.resolve("etc/opsbus/opsbus.json"), json.encodePrettily());
  }

  /** The node as systemd would start it from the shipped unit: ExecStart, EnvironmentFile, Environment, WorkingDirectory, User. */
  private NodeProcess startFromUnit(int i) throws IOException {
    Path root = machines.get(i);
    Map<String, List<String>> unit = DeployGuide.service();
    List<String> cmd = new ArrayList<>();
    for (String w : DeployGuide.words(one(unit, "ExecStart", null))) {
      cmd.add(DeployGuide.underRoot(w, root));
    }
    if (!Files.isExecutable(Path.of(cmd.get(0)))) {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      log("[unit] " + cmd.get(0) + " does not exist here: " + java + " instead");
      cmd.set(0, java);
    }
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    env.put("LANG", "C.UTF-8");
    for (String f : unit.getOrDefault("EnvironmentFile", List.of())) {
      boolean optional = f.startsWith("-");
      Path file = Path.of(DeployGuide.underRoot(optional ? f.substring(1) : f, root));
      if (Files.exists(file) || !optional) {
        env.putAll(DeployGuide.environmentFile(Files.readString(file)));
      }
    }
    for (String e : unit.getOrDefault("Environment", List.of())) {
      for (String kv : DeployGuide.words(e)) {
        env.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
      }
    }
    Path workDir = Path.of(DeployGuide.underRoot(one(unit, "WorkingDirectory", root.toString()), root));
    String user = one(unit, "User", "root");
    if (DeployGuide.userExists(user)) {
      cmd.addAll(0, List.of("runuser", "-u", user, "--"));
    } else {
      log("[unit] no user " + user + " on this machine: the node runs as " + System.getProperty("user.name"));
    }
    env.put("HOME", workDir.toString());
    env.put("USER", user);
    log("[unit] node " + (i + 1) + ": " + String.join(" ", cmd) + " in " + workDir);
    return NodeProcess.exec("deploy-guide-" + (i + 1), cmd, env, workDir);
  }

  /** Step 4: the doc's nginx steps and self-signed certificate; nginx with a main file of the test's, as LoadBalancerIT runs it. */
  private void startNginx(String binary) throws Exception {
    Path root = proxyRoot();
    Files.createDirectories(root.resolve("etc/nginx/conf.d"));
    DeployGuide.run("nginx", DeployGuide.script("nginx", doc.block("nginx"), root, Map.of(), DeployGuideIT::log),
        DeployGuide.REPO, Map.of(), DeployGuideIT::log);
    // the certificate also names 127.0.0.1, where this test's Java clients connect
    DeployGuide.run("self-signed", DeployGuide.script("self-signed", doc.block("self-signed"), root,
        Map.of("subjectAltName=DNS:opsbus.example.com", "subjectAltName=DNS:opsbus.example.com,IP:127.0.0.1"),
        DeployGuideIT::log), base, Map.of(), DeployGuideIT::log);

    // what `sudo editor` does in the doc: the node addresses; and the listening ports of the test
    httpsPort = freePort();
    httpPort = freePort();
    Path site = root.resolve("etc/nginx/conf.d/opsbus.conf");
    String conf = Files.readString(site);
    for (int i = 0; i < 3; i++) {
      conf = conf.replace(NODE_ADDRESSES.get(i) + ":8080", "127.0.0.1:" + httpPorts.get(i));
    }
    conf = DeployGuide.underRoot(conf, root)
        .replace("listen 443 ssl;", "listen 127.0.0.1:" + httpsPort + " ssl;")
        .replace("listen 80;", "listen 127.0.0.1:" + httpPort + ";");
    assertThat(conf).doesNotContain("10.0.0.").contains(httpsPort + " ssl;");
    Files.writeString(site, conf);
    Path prefix = Files.createDirectories(root.resolve("run"));
    for (String d : List.of("body", "proxy", "fastcgi", "uwsgi", "scgi")) {
      Files.createDirectories(prefix.resolve(d));
    }
    Files.writeString(prefix.resolve("nginx.conf"), "user root;\ndaemon off;\nworker_processes 1;\npid " + prefix.resolve("nginx.pid")
        + ";\nerror_log " + prefix.resolve("error.log") + " info;\nevents { worker_connections 1024; }\nhttp {\n"
        + "  access_log " + prefix.resolve("access.log") + ";\n"
        + "  client_body_temp_path " + prefix.resolve("body") + ";\n  proxy_temp_path " + prefix.resolve("proxy") + ";\n"
        + "  fastcgi_temp_path " + prefix.resolve("fastcgi") + ";\n  uwsgi_temp_path " + prefix.resolve("uwsgi") + ";\n"
        + "  scgi_temp_path " + prefix.resolve("scgi") + ";\n"
        + "  include " + root.resolve("etc/nginx/conf.d") + "/*.conf;\n}\n");
    List<String> args = List.of("-p", prefix.toString(), "-c", prefix.resolve("nginx.conf").toString(), "-e",
        prefix.resolve("error.log").toString());
    List<String> test = new ArrayList<>(List.of(binary, "-t"));
    test.addAll(args);
    Process t = new ProcessBuilder(test).redirectErrorStream(true).start();
    String said = new String(t.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(t.waitFor()).as("nginx -t:%n%s", said).isZero();
    List<String> run = new ArrayList<>(List.of(binary));
    run.addAll(args);
    nginx = new ProcessBuilder(run).redirectErrorStream(true).redirectOutput(prefix.resolve("stdout.log").toFile()).start();
    tls = HttpClient.newBuilder().sslContext(trusting(root.resolve("etc/nginx/tls/opsbus.crt")))
        .connectTimeout(Duration.ofSeconds(10)).build();
  }

  // ------------------------------------------------------------------ helpers

  private Path proxyRoot() {
    return base.resolve("proxy");
  }

  private HttpResponse<String> awaitReady() throws Exception {
    long deadline = System.nanoTime() + START.toNanos();
    while (true) {
      try {
        HttpResponse<String> r = get("/ready", null);
        if (r.statusCode() == 200) {
          return r;
        }
      } catch (IOException notYet) {
        // nginx is not listening yet
      }
      assertThat(nginx.isAlive()).as("nginx runs").isTrue();
      assertThat(System.nanoTime()).as("ready through nginx").isLessThan(deadline);
      TimeUnit.MILLISECONDS.sleep(100);
    }
  }

  private HttpResponse<String> get(String path, String bearer) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + httpsPort + path)).timeout(WAIT);
    if (bearer != null) {
      b.header("Authorization", "Bearer " + bearer);
    }
    return tls.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String path, JsonObject body, String bearer) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + httpsPort + path)).timeout(WAIT)
        .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.encode()));
    if (bearer != null) {
      b.header("Authorization", "Bearer " + bearer);
    }
    return tls.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static SSLContext trusting(Path pem) throws Exception {
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    try (InputStream in = Files.newInputStream(pem)) {
      ks.setCertificateEntry("opsbus", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  private static String one(Map<String, List<String>> unit, String key, String fallback) {
    List<String> v = unit.get(key);
    if (v == null || v.isEmpty()) {
      if (fallback == null) {
        throw new AssertionError(DeployGuide.UNIT + " has no " + key);
      }
      return fallback;
    }
    return v.get(v.size() - 1);
  }

  /** Starts the test's operation type on web1 until one runs on {@code nodeId}; its id, once it runs. */
  private String holdOn(int port, String nodeId) throws Exception {
    for (int attempt = 0; attempt < 12; attempt++) {
      NodeClient.Answer a = new NodeClient(port).post("/api/hosts/web1/operations", new JsonObject().put("type", HOLD), token);
      assertThat(a.status()).as(a.body()).isEqualTo(202);
      JsonObject op = a.json().getJsonObject("operation");
      if (nodeId.equals(op.getString("nodeId"))) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!"in_progress".equals(operation(op.getString("id")).getString("status"))) {
          assertThat(System.nanoTime()).as("operation %s runs", op.getString("id")).isLessThan(deadline);
          pause(100);
        }
        return op.getString("id");
      }
      post("/api/operations/" + op.getString("id") + "/cancel", new JsonObject(), token);
      awaitOperationEnd(op.getString("id"));
    }
    throw new AssertionError("no " + HOLD + " operation ran on node " + nodeId + " in 12 starts");
  }

  private JsonObject operation(String id) throws Exception {
    JsonObject answer = new JsonObject(get("/api/operations/" + id, token).body());
    return answer.containsKey("operation") ? answer.getJsonObject("operation") : answer;
  }

  private JsonObject awaitOperationEnd(String id) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      JsonObject o = operation(id);
      if (Set.of("completed", "failed", "cancelled", "node_lost", "node_shutdown").contains(o.getString("status"))
          || Boolean.FALSE.equals(o.getBoolean("active"))) {
        return o;
      }
      assertThat(System.nanoTime()).as("operation %s ends; last %s", id, o).isLessThan(deadline);
      pause(200);
    }
  }

  private static void pause(long ms) {
    try {
      TimeUnit.MILLISECONDS.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static int indexOf(List<String> list, java.util.function.Predicate<String> p) {
    for (int i = 0; i < list.size(); i++) {
      if (p.test(list.get(i))) {
        return i;
      }
    }
    return -1;
  }

  /** The answers in order, runs of the same one folded. */
  private static String summary(List<String> answers) {
    StringBuilder sb = new StringBuilder();
    String last = null;
    int n = 0;
    for (String a : answers) {
      String k = a.length() > 80 ? a.substring(0, 80) : a;
      if (k.equals(last)) {
        n++;
        continue;
      }
      if (last != null) {
        sb.append(last).append(" x").append(n).append("; ");
      }
      last = k;
      n = 1;
    }
    return sb.append(last).append(" x").append(n).toString();
  }

  private static Path postgresBin() throws IOException {
    Path lib = Path.of("/usr/lib/postgresql");
    if (!Files.isDirectory(lib)) {
      return null;
    }
    try (Stream<Path> versions = Files.list(lib)) {
      return versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
          .max(Comparator.comparing(b -> Integer.parseInt(b.getParent().getFileName().toString().replaceAll("\\D", "0"))))
          .orElse(null);
    }
  }

  private static void chownPostgres(Path p) throws Exception {
    Process c = new ProcessBuilder("chown", "postgres:postgres", p.toString()).inheritIO().start();
    assertThat(c.waitFor()).isZero();
  }

  private static String asPostgres(String... cmd) throws Exception {
    List<String> full = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
    full.addAll(List.of(cmd));
    Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return p.waitFor() + ":" + out;
  }

  private static void asPostgresOk(String... cmd) throws Exception {
    String r = asPostgres(cmd);
    assertThat(r).as(String.join(" ", cmd)).startsWith("0:");
  }

  private static boolean onPath(String binary) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      if (Files.isExecutable(Path.of(dir, binary))) {
        return true;
      }
    }
    return false;
  }

  private static String random(int bytes) {
    byte[] b = new byte[bytes];
    new SecureRandom().nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void log(String line) {
    System.out.println("DeployGuideIT " + line);
  }
}
