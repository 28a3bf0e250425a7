package dev.opsbus.node;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import dev.opsbus.model.secret.CredentialCipher;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A whole node with --demo, driven as a browser would: open a terminal over HTTP, type into the
 * terminal WebSocket, share it. Every bus message, log line and API answer seen during the tests
 * is kept, and none may contain the demo host's password.
 */
class TerminalEndToEndTest {

  static final Duration WAIT = Duration.ofSeconds(20);
  static final String ADMIN_PASSWORD = "e2e-admin-password";

  @TempDir
  static Path dataDir;

  static OpsbusNode node;
  static Vertx client;
  static WebClient http;
  static String admin;
  static final List<String> seen = new CopyOnWriteArrayList<>();
  static AppenderBase<ILoggingEvent> logCapture;

  @BeforeAll
  static void start() throws Exception {
    TestDatabase.reset();
    logCapture = new AppenderBase<>() {
      @Override
      protected void append(ILoggingEvent e) {
        seen.add("log: " + e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : " " + e.getThrowableProxy().getMessage()));
      }
    };
    logCapture.start();
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logCapture);
    node = OpsbusNode.start(NodeSettings.builder().httpPort(0).httpHost("127.0.0.1").pgUrl(TestDatabase.url()).dataDir(dataDir)
        .demo(true).adminPassword(ADMIN_PASSWORD).build());
    node.vertx().eventBus().addOutboundInterceptor(ctx -> {
      seen.add("bus " + ctx.message().address() + ": " + ctx.message().headers() + " " + ctx.message().body());
      ctx.next();
    });
    client = Vertx.vertx();
    http = WebClient.create(client, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(node.httpPort()));
    admin = login("admin", ADMIN_PASSWORD);
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      String demoPassword = demoPassword();
      String key = credentialKey();
      assertThat(seen).as("captured bus messages, log lines and API answers").isNotEmpty();
      assertThat(seen).noneMatch(s -> s.contains(demoPassword));
      assertThat(seen).noneMatch(s -> s.contains(key));
    } finally {
      ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logCapture);
      client.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
      node.close();
    }
  }

  static <T> T await(io.vertx.core.Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  static HttpResponse<Buffer> post(String path, String token, JsonObject body) throws Exception {
    HttpResponse<Buffer> r = await(http.post(path).bearerTokenAuthentication(token).sendJsonObject(body));
    seen.add("api " + path + ": " + r.bodyAsString());
    return r;
  }

  static String login(String user, String password) throws Exception {
    HttpResponse<Buffer> r = await(http.post("/api/login").sendJsonObject(new JsonObject().put("username", user).put("password", password)));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    return r.bodyAsJsonObject().getString("token");
  }

  static String user(String name, String role) throws Exception {
    HttpResponse<Buffer> r = post("/api/users", admin, new JsonObject().put("username", name).put("password", name + "-password")
        .put("roles", List.of(role)).put("hosts", List.of("demo")));
    assertThat(r.statusCode()).as(r.bodyAsString()).isIn(201, 409);
    return login(name, name + "-password");
  }

  static String openTerminal(String token) throws Exception {
    HttpResponse<Buffer> r = post("/api/hosts/demo/terminals", token, new JsonObject().put("cols", 100).put("rows", 30));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    return r.bodyAsJsonObject().getString("sessionId");
  }

  @Test
  void typingEchoHiShowsHi() throws Exception {
    String sid = openTerminal(admin);
    try (TermClient t = TermClient.connect(client, node.httpPort(), sid, admin)) {
      assertThat(t.attached(WAIT).getString("role")).isEqualTo("driver");
      t.type("echo hi\r");
      t.awaitLine("hi", WAIT);
      assertThat(t.output()).contains("echo hi");
    }
  }

  @Test
  void aTimedKeystrokesEchoShowsEachHopOnMetrics() throws Exception {
    String sid = openTerminal(admin);
    try (TermClient t = TermClient.connect(client, node.httpPort(), sid, admin)) {
      t.attached(WAIT);
      // a socket's first keystroke frame is timed (then one in 16)
      t.type("echo hops\r");
      t.awaitLine("hops", WAIT);
    }
    long deadline = System.nanoTime() + WAIT.toNanos();
    String metrics;
    do {
      metrics = await(http.get("/metrics").send()).bodyAsString();
    } while (!hopCounted(metrics, "total") && System.nanoTime() < deadline);
    for (String hop : List.of("bus_in", "relay_to_writer", "sshj_write", "host_echo", "reader_to_loop", "coalesce", "bus_out",
        "websocket_write", "total", "added")) {
      assertThat(hopCounted(metrics, hop)).as("hop " + hop + " in\n" + metrics).isTrue();
    }
  }

  /** Whether /metrics shows at least one sample of this terminal hop. */
  static boolean hopCounted(String metrics, String hop) {
    for (String line : metrics.split("\n")) {
      if (line.startsWith("opsbus_terminal_hop_seconds_count{") && line.contains("hop=\"" + hop + "\"")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)) >= 1;
      }
    }
    return false;
  }

  @Test
  void theDriverResizesAViewerCanNeitherResizeNorType() throws Exception {
    String sid = openTerminal(admin);
    String viewer = user("vince", "viewer");
    try (TermClient driver = TermClient.connect(client, node.httpPort(), sid, admin)) {
      driver.attached(WAIT);
      driver.send(new JsonObject().put("type", "resize").put("cols", 91).put("rows", 33));
      driver.awaitControl(c -> "resized".equals(c.getString("type")), WAIT);
      driver.type("stty size\r");
      driver.awaitLine("33 91", WAIT);

      HttpResponse<Buffer> join = post("/api/terminals/" + sid + "/join", viewer, new JsonObject().put("mode", "view"));
      assertThat(join.bodyAsJsonObject().getString("role")).isEqualTo("viewer");
      try (TermClient watcher = TermClient.connect(client, node.httpPort(), sid, viewer)) {
        assertThat(watcher.attached(WAIT).getBoolean("readOnly")).isTrue();
        watcher.send(new JsonObject().put("type", "resize").put("cols", 40).put("rows", 10));
        assertThat(watcher.awaitControl(c -> "error".equals(c.getString("type")), WAIT).getString("code")).isEqualTo("access_denied");
        watcher.type("echo from-viewer\r");
        JsonObject refused = watcher.awaitControl(c -> "error".equals(c.getString("type")) && c.getString("message").contains("viewer"), WAIT);
        assertThat(refused.getString("code")).isEqualTo("access_denied");
        driver.type("echo marker-after\r");
        driver.awaitLine("marker-after", WAIT);
        watcher.awaitLine("marker-after", WAIT);
        assertThat(driver.output()).doesNotContain("from-viewer");
        assertThat(driver.lines()).as("the viewer's resize changed nothing").doesNotContain("10 40");
      }
    }
  }

  @Test
  void twoParticipantsSeeTheSameOutputAndALateJoinerGetsTheScrollbackFirst() throws Exception {
    String sid = openTerminal(admin);
    String writer = user("wanda", "operator");
    try (TermClient driver = TermClient.connect(client, node.httpPort(), sid, admin)) {
      driver.attached(WAIT);
      driver.type("for i in $(seq 1 40); do echo row$i; done\r");
      driver.awaitLine("row40", WAIT);
      post("/api/terminals/" + sid + "/invite", admin, new JsonObject().put("username", "wanda").put("mode", "write"));
      HttpResponse<Buffer> join = post("/api/terminals/" + sid + "/join", writer, new JsonObject().put("mode", "write"));
      assertThat(join.bodyAsJsonObject().getString("role")).isEqualTo("writer");
      try (TermClient late = TermClient.connect(client, node.httpPort(), sid, writer)) {
        late.attached(WAIT);
        // the scrollback came first: what was on screen before the join
        assertThat(late.awaitOutput("row40", WAIT)).contains("row1\r\n");
        late.type("echo written-by-wanda\r");
        driver.awaitLine("written-by-wanda", WAIT);
        late.awaitLine("written-by-wanda", WAIT);
        String since = driver.output().substring(driver.output().indexOf("echo written-by-wanda"));
        String lateSince = late.output().substring(late.output().indexOf("echo written-by-wanda"));
        assertThat(lateSince).startsWith(since.substring(0, Math.min(since.length(), lateSince.length())));
      }
    }
  }

  @Test
  void aDroppedBrowserReattachesToTheSameShellWithItsScrollback() throws Exception {
    String sid = openTerminal(admin);
    try (TermClient first = TermClient.connect(client, node.httpPort(), sid, admin)) {
      first.attached(WAIT);
      first.type("export OPSBUS_X=42; echo set-it\r");
      first.awaitLine("set-it", WAIT);
    }
    try (TermClient again = TermClient.connect(client, node.httpPort(), sid, admin)) {
      again.attached(WAIT);
      assertThat(again.awaitOutput("set-it", WAIT)).contains("export OPSBUS_X=42");
      again.type("echo value-$OPSBUS_X\r");
      again.awaitLine("value-42", WAIT);
    }
  }

  @Test
  void aBrowserThatStopsReadingIsCutOffWhileTheDriverCarriesOn() throws Exception {
    String sid = openTerminal(admin);
    try (TermClient driver = TermClient.connect(client, node.httpPort(), sid, admin);
         TermClient stuck = TermClient.connectPaused(node.httpPort(), sid, admin)) {
      driver.attached(WAIT);
      // 24 MB of output: far more than the socket buffers and the 4 MB a browser may fall behind
      driver.type("head -c 24000000 /dev/zero | tr '\\0' x | fold -w 1000; echo flood-$((40+2))\r");
      driver.awaitOutput("flood-42", Duration.ofSeconds(120));
      driver.type("echo still-$((20+1))\r");
      driver.awaitOutput("still-21", WAIT);
      // the stuck tab, reading again, finds why it was cut off, then the close
      stuck.resume();
      JsonObject why = stuck.awaitControl(c -> "error".equals(c.getString("type")), Duration.ofSeconds(60));
      assertThat(why.getString("code")).isEqualTo("slow_consumer");
      stuck.awaitClosed(Duration.ofSeconds(30));
      assertThat(stuck.isClosed()).isTrue();
      assertThat(stuck.output().length()).as("what the stuck tab was sent").isLessThan(24_000_000);
    }
  }

  @Test
  void aBrowserThatPausesBrieflyHoldsTheShellAndMissesNothing() throws Exception {
    String sid = openTerminal(admin);
    try (TermClient driver = TermClient.connect(client, node.httpPort(), sid, admin);
         TermClient paused = TermClient.connectPaused(node.httpPort(), sid, admin)) {
      driver.attached(WAIT);
      // far more than the 4 MB a socket may fall behind: without flow control the paused tab would be cut off
      driver.type("head -c 24000000 /dev/zero | tr '\\0' y | fold -w 1000; echo flood-$((40+3))\r");
      // the user's pause (shorter than the stall limit), not a wait for something to happen
      Thread.sleep(2_000);
      paused.resume();
      paused.awaitOutput("flood-43", Duration.ofSeconds(120));
      driver.awaitOutput("flood-43", Duration.ofSeconds(60));
      assertThat(paused.controlFrames()).as("what the paused tab was told").noneMatch(c -> "error".equals(c.getString("type")));
      assertThat(paused.isClosed()).isFalse();
      assertThat(paused.output().chars().filter(ch -> ch == 'y').count()).as("flood bytes the paused tab got")
          .isGreaterThanOrEqualTo(24_000_000L);
    }
  }

  static String demoPassword() throws Exception {
    try (Connection c = TestDatabase.start().getPostgresDatabase().getConnection();
         ResultSet rs = c.createStatement().executeQuery("SELECT secret_encrypted FROM hosts WHERE id = 'demo'")) {
      rs.next();
      return new CredentialCipher(credentialKey()).decrypt(rs.getString(1));
    }
  }

  /** The credentials key the node runs with: the test key from the environment (node/pom.xml). */
  static String credentialKey() {
    return TestKeys.CREDENTIALS;
  }

}
