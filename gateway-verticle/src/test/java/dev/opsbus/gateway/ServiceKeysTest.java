package dev.opsbus.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.gateway.servicekeys.ServiceSettings;
import dev.opsbus.model.BusIdentity;
import dev.opsbus.testkit.Await;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Service keys as an operator and a service see them: made by an admin (secret shown once), used as
 * a bearer on HTTP, the WebSocket bridge and the TCP bridge, listed with last use, revoked with
 * their connections cut; HTTP publish and request; a service serving {@code svc.*} over TCP for a
 * browser; and notifications to one user, kept for when they were away.
 */
class ServiceKeysTest {

  static final Duration WAIT = Duration.ofSeconds(10);
  /** What the issue promises for a revoked key's connections. */
  static final Duration CUT_WITHIN = Duration.ofSeconds(5);

  static GatewayHarness gw;
  static String admin;
  static int tcpPort;

  @BeforeAll
  static void start() {
    gw = GatewayHarness.start(c -> c.withServices(ServiceSettings.defaults().withTcpBridgePort(0)));
    admin = gw.adminToken();
    tcpPort = gw.gateway.tcpBridgePort();
  }

  @AfterAll
  static void stop() {
    gw.close();
  }

  static JsonObject createKey(String name, JsonObject grants, List<String> hosts) {
    HttpResponse<Buffer> r = Await.result(gw.http.post("/api/service-keys").bearerTokenAuthentication(admin)
        .sendJsonObject(new JsonObject().put("name", name).put("roles", new JsonArray().add("service"))
            .put("hosts", new JsonArray(hosts)).put("grants", grants)));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    return r.bodyAsJsonObject();
  }

  static HttpResponse<Buffer> post(String path, String bearer, JsonObject body) {
    return Await.result(gw.http.post(path).bearerTokenAuthentication(bearer).sendJsonObject(body));
  }

  static void subscribed(BridgeClient c, String address) {
    c.register(address);
    Await.until("subscribed to " + address, WAIT, () -> gw.gateway.bridge().subscriberCount(address) > 0);
  }

  @Test
  void aKeyIsShownOnceListedWithLastUseAndWorksAsABearerForHttpPublish() {
    JsonObject key = createKey("metrics-feeder", new JsonObject().put("publish", new JsonArray().add("status.server")), List.of());
    String secret = key.getString("secret");
    assertThat(secret).startsWith("opsk_");

    HttpResponse<Buffer> list = Await.result(gw.http.get("/api/service-keys").bearerTokenAuthentication(admin).send());
    assertThat(list.bodyAsString()).contains("metrics-feeder").doesNotContain(secret).doesNotContain("secret");

    String viewer = gw.user("watcher", List.of("viewer"), List.of());
    try (BridgeClient browser = gw.client(BridgeClient.Transport.SOCKJS, viewer)) {
      subscribed(browser, "status.server");
      // one message and a batch, with a forged identity header that must not arrive
      assertThat(post("/api/bus/publish", secret, new JsonObject().put("address", "status.server").put("body", new JsonObject().put("n", 1))
          .put("headers", new JsonObject().put(BusIdentity.USER, "admin"))).statusCode()).isEqualTo(202);
      HttpResponse<Buffer> batch = post("/api/bus/publish", secret, new JsonObject().put("messages", new JsonArray()
          .add(new JsonObject().put("address", "status.server").put("body", new JsonObject().put("n", 2)))
          .add(new JsonObject().put("address", "status.server").put("body", new JsonObject().put("n", 3)))));
      assertThat(batch.bodyAsJsonObject().getInteger("published")).isEqualTo(2);
      for (int n = 1; n <= 3; n++) {
        int want = n;
        browser.next(f -> "rec".equals(f.getString("type")) && f.getJsonObject("body").getInteger("n") == want, WAIT);
      }
    }

    // not granted: the same codes as the bridge
    HttpResponse<Buffer> denied = post("/api/bus/publish", secret, new JsonObject().put("address", "metrics.node").put("body", 1));
    assertThat(denied.statusCode()).isEqualTo(403);
    assertThat(denied.bodyAsJsonObject().getString("error")).isEqualTo("access_denied");
    HttpResponse<Buffer> unknown = post("/api/bus/publish", secret, new JsonObject().put("address", "no.such.address").put("body", 1));
    assertThat(unknown.bodyAsJsonObject().getString("error")).isEqualTo("unknown_address");
    assertThat(post("/api/bus/publish", "opsk_not-a-key", new JsonObject().put("address", "status.server")).bodyAsJsonObject()
        .getString("error")).isEqualTo("invalid_token");

    Await.until("last use listed", WAIT, () -> Await.result(gw.http.get("/api/service-keys").bearerTokenAuthentication(admin).send())
        .bodyAsJsonArray().stream().map(JsonObject.class::cast).anyMatch(k -> "metrics-feeder".equals(k.getString("name")) && k.getValue("lastUsedAt") != null));
  }

  @Test
  void httpRequestIsAnsweredWithTheCallersIdentityStamped() {
    String secret = createKey("asker", new JsonObject().put("request", new JsonArray().add("svc.echo.*")), List.of()).getString("secret");
    MessageConsumer<Object> echo = gw.vertx.eventBus().consumer("svc.echo.ping",
        m -> m.reply(new JsonObject().put("you", m.headers().get(BusIdentity.USER)).put("got", m.body())));
    Await.result(echo.completion());
    try {
      HttpResponse<Buffer> r = post("/api/bus/request", secret, new JsonObject().put("address", "svc.echo.ping").put("body", "hi")
          .put("timeoutMs", 5000).put("headers", new JsonObject().put(BusIdentity.USER, "admin")));
      assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
      assertThat(r.bodyAsJsonObject().getJsonObject("body")).isEqualTo(new JsonObject().put("you", "key:asker").put("got", "hi"));
      HttpResponse<Buffer> none = post("/api/bus/request", secret, new JsonObject().put("address", "svc.echo.nobody").put("body", "hi"));
      assertThat(none.bodyAsJsonObject().getString("error")).isEqualTo("no_handler");
    } finally {
      echo.unregister();
    }
  }

  @Test
  void aStdlibPythonClientPublishesOverTheTcpBridgeAndABrowserSeesIt() throws Exception {
    String secret = createKey("py-publisher", new JsonObject().put("publish", new JsonArray().add("status.server")), List.of()).getString("secret");
    String viewer = gw.user("pywatch", List.of("viewer"), List.of());
    try (BridgeClient browser = gw.client(BridgeClient.Transport.SOCKJS, viewer)) {
      subscribed(browser, "status.server");
      ProcessBuilder pb = new ProcessBuilder("python3", example("tcp_bridge_publish.py"), "127.0.0.1", String.valueOf(tcpPort), "status.server",
          "{\"from\":\"python\"}").redirectErrorStream(true);
      pb.environment().put("OPSBUS_KEY", secret);
      String out = finish(pb.start());
      assertThat(out).contains("published to status.server");
      JsonObject rec = browser.next(f -> "rec".equals(f.getString("type")), WAIT);
      assertThat(rec.getJsonObject("body").getString("from")).isEqualTo("python");
    }
  }

  private static String finish(Process p) throws Exception {
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("example finished").isTrue();
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }

  static String example(String name) {
    File f = new File("../docs/examples/" + name);
    assertThat(f).exists();
    return f.getAbsolutePath();
  }

  @Test
  void aKeyRevokedWhileATcpClientIsConnectedIsCutWithinFiveSeconds() throws Exception {
    String secret = createKey("to-revoke", new JsonObject(), List.of()).getString("secret");
    try (TcpBridgeClient tcp = new TcpBridgeClient(tcpPort)) {
      tcp.send(new JsonObject().put("type", "register").put("address", "status.server")
          .put("headers", new JsonObject().put("authorization", "Bearer " + secret)));
      tcp.sync(WAIT);
      Await.until("key connected", WAIT, () -> gw.gateway.bridge().connectedPrincipals().contains("key:to-revoke"));
      assertThat(Await.result(gw.http.delete("/api/service-keys/to-revoke").bearerTokenAuthentication(admin).send()).statusCode()).isEqualTo(200);
      JsonObject err = tcp.next(f -> "err".equals(f.getString("type")), CUT_WITHIN);
      assertThat(err.getString("failureType")).isEqualTo("invalid_token");
      assertThat(err.getString("message")).contains("to-revoke");
      Await.until("socket closed", CUT_WITHIN, tcp::isClosed);
    }
    assertThat(post("/api/bus/publish", secret, new JsonObject().put("address", "status.server")).statusCode()).isEqualTo(401);
  }

  @Test
  void aKeyRevokedWhereThisNodeMissedTheMessageIsRefusedOnHttpWithinOneRecheck() {
    String secret = createKey("missed-revocation", new JsonObject().put("publish", new JsonArray().add("status.server")), List.of())
        .getString("secret");
    JsonObject msg = new JsonObject().put("address", "status.server").put("body", new JsonObject().put("n", 1));
    // repeated calls: the node remembers the verified key rather than reading it each time
    for (int i = 0; i < 3; i++) {
      assertThat(post("/api/bus/publish", secret, msg).statusCode()).isEqualTo(202);
    }
    assertThat(gw.gateway.serviceKeys().verifiedKeys()).isPositive();
    // revoked by another node whose message never came here: only the database knows
    io.vertx.sqlclient.Pool pool = io.vertx.pgclient.PgBuilder.pool().connectingTo(dev.opsbus.testkit.TestDatabase.connectOptions())
        .using(gw.vertx).build();
    try {
      Await.result(pool.query("UPDATE service_keys SET revoked_at = now() WHERE name = 'missed-revocation'").execute());
    } finally {
      pool.close();
    }
    Await.until("the revoked key refused on HTTP", CUT_WITHIN, () -> post("/api/bus/publish", secret, msg).statusCode() == 401);
    HttpResponse<Buffer> refused = post("/api/bus/publish", secret, msg);
    assertThat(refused.bodyAsJsonObject().getString("error")).as(refused.bodyAsString()).isEqualTo("invalid_token");
  }

  @Test
  void aServiceOnTheTcpBridgeAnswersABrowsersRequest() throws Exception {
    String secret = createKey("inventory", new JsonObject().put("serve", new JsonArray().add("svc.inventory.*")), List.of()).getString("secret");
    String viewer = gw.user("shopper", List.of("viewer"), List.of());
    try (TcpBridgeClient service = new TcpBridgeClient(tcpPort); BridgeClient browser = gw.client(BridgeClient.Transport.RAW, viewer)) {
      service.send(new JsonObject().put("type", "register").put("address", "svc.inventory.query")
          .put("headers", new JsonObject().put("authorization", "Bearer " + secret)));
      service.sync(WAIT);
      browser.send(new JsonObject().put("type", "send").put("address", "svc.inventory.query").put("replyAddress", "r-1")
          .put("body", new JsonObject().put("sku", "A1")).put("headers", new JsonObject().put(BusIdentity.USER, "admin")));
      JsonObject req = service.next(f -> "rec".equals(f.getString("type")), WAIT);
      assertThat(req.getJsonObject("headers").getString(BusIdentity.USER)).isEqualTo("shopper");
      service.send(new JsonObject().put("type", "send").put("address", req.getString("replyAddress"))
          .put("body", new JsonObject().put("sku", "A1").put("stock", 7)));
      JsonObject answer = browser.next(f -> "r-1".equals(f.getString("address")), WAIT);
      assertThat(answer.getString("type")).isEqualTo("rec");
      assertThat(answer.getJsonObject("body").getInteger("stock")).isEqualTo(7);

      // a key may serve only inside the namespaces, and a browser may not serve at all
      service.send(new JsonObject().put("type", "register").put("address", "ops.start"));
      assertThat(service.next(f -> "err".equals(f.getString("type")), WAIT).getString("failureType")).isEqualTo("access_denied");
      browser.register("svc.inventory.query");
      assertThat(browser.nextErr(WAIT).getString("failureType")).isEqualTo("access_denied");
    }
  }

  @Test
  void aNodeExampleServesOverTheTcpBridge() throws Exception {
    String secret = createKey("node-svc", new JsonObject().put("serve", new JsonArray().add("svc.clock.*")), List.of()).getString("secret");
    ProcessBuilder pb = new ProcessBuilder("node", example("tcp_bridge_serve.js"), "127.0.0.1", String.valueOf(tcpPort), "svc.clock.now", "1")
        .redirectErrorStream(true);
    pb.environment().put("OPSBUS_KEY", secret);
    Process node = pb.start();
    try {
      String viewer = gw.user("clockwatch", List.of("viewer"), List.of());
      try (BridgeClient browser = gw.client(BridgeClient.Transport.RAW, viewer)) {
        Await.until("node example serving", WAIT, () -> gw.gateway.bridge().connectedPrincipals().contains("key:node-svc"));
        JsonObject answer = null;
        // the example registers right after connecting; ask until its registration has reached the bus
        for (int i = 0; i < 50 && answer == null; i++) {
          browser.send(new JsonObject().put("type", "send").put("address", "svc.clock.now").put("replyAddress", "r-" + i).put("body", "tick"));
          JsonObject f = browser.next(x -> x.getString("address", "").startsWith("r-"), WAIT);
          if ("rec".equals(f.getString("type"))) {
            answer = f;
          }
        }
        assertThat(answer).isNotNull();
        assertThat(answer.getJsonObject("body").getString("askedBy")).isEqualTo("clockwatch");
      }
      assertThat(node.waitFor(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      node.destroy();
    }
  }

  @Test
  void aNotificationSentWhileTheUserIsAwayIsReplayedAfterLoginAndOnlyToThem() {
    String vicToken = gw.user("vic", List.of("viewer"), List.of());
    String other = gw.user("mallory", List.of("operator"), List.of());
    HttpResponse<Buffer> sent = post("/api/bus/request", admin, new JsonObject().put("address", "notifications.send")
        .put("body", new JsonObject().put("username", "vic").put("title", "disk almost full").put("level", "warning")));
    assertThat(sent.statusCode()).as(sent.bodyAsString()).isEqualTo(200);
    long seq = sent.bodyAsJsonObject().getJsonObject("body").getLong("seq");

    try (BridgeClient vic = gw.client(BridgeClient.Transport.SOCKJS, vicToken); BridgeClient m = gw.client(BridgeClient.Transport.RAW, other)) {
      vic.register("user.vic.notifications");
      JsonObject replayed = vic.next(f -> "rec".equals(f.getString("type")), WAIT);
      assertThat(replayed.getJsonObject("body").getString("title")).isEqualTo("disk almost full");
      assertThat(replayed.getJsonObject("body").getLong("seq")).isEqualTo(seq);

      m.register("user.vic.notifications");
      assertThat(m.nextErr(WAIT).getString("failureType")).isEqualTo("access_denied");
      // nobody but admins (and keys granted it) sends them
      m.send(new JsonObject().put("type", "send").put("address", "notifications.send").put("replyAddress", "x")
          .put("body", new JsonObject().put("username", "vic").put("title", "phish")));
      assertThat(m.nextErr(WAIT).getString("failureType")).isEqualTo("access_denied");

      // live, and resumed with sinceSeq on a resync
      Await.until("vic subscribed", WAIT, () -> gw.gateway.bridge().subscriberCount("user.vic.notifications") > 0);
      post("/api/bus/request", admin, new JsonObject().put("address", "notifications.send")
          .put("body", new JsonObject().put("username", "vic").put("title", "backup done")));
      assertThat(vic.next(f -> "rec".equals(f.getString("type")), WAIT).getJsonObject("body").getString("title")).isEqualTo("backup done");
    }
  }

  @Test
  void theTcpBridgeRefusesLikeTheWebSocketBridge() throws Exception {
    try (TcpBridgeClient tcp = new TcpBridgeClient(tcpPort)) {
      // no key yet: not_logged_in, as on the WebSocket bridge
      tcp.send(new JsonObject().put("type", "publish").put("address", "status.server").put("body", 1));
      assertThat(tcp.next(f -> "err".equals(f.getString("type")), WAIT).getString("failureType")).isEqualTo("not_logged_in");
      tcp.send(new JsonObject().put("type", "publish").put("address", "status.server")
          .put("headers", new JsonObject().put("authorization", "Bearer opsk_unknown")));
      assertThat(tcp.next(f -> "err".equals(f.getString("type")), WAIT).getString("failureType")).isEqualTo("invalid_token");
      tcp.send(new JsonObject().put("type", "bogus"));
      assertThat(tcp.next(f -> "err".equals(f.getString("type")), WAIT).getString("failureType")).isEqualTo("invalid_frame");
    }
    try (TcpBridgeClient tcp = new TcpBridgeClient(tcpPort)) {
      // a length over the frame limit is refused before it is read, and the connection closed
      tcp.sendRawLength(10_000_000);
      assertThat(tcp.next(f -> "err".equals(f.getString("type")), WAIT).getString("failureType")).isEqualTo("too_large");
      Await.until("closed", WAIT, tcp::isClosed);
    }
  }
}
