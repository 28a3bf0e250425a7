package dev.opsbus.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.gateway.servicekeys.ServiceSettings;
import dev.opsbus.testkit.Await;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Service keys with an expiry: made with {@code expiresAt} or {@code expiresInDays}, listed with it,
 * refused once past it with {@code key_expired} on HTTP, the WebSocket bridge and the TCP bridge,
 * and their open connections cut within 5 s of the expiry, as a revoked key's are.
 */
class ServiceKeyExpiryTest {

  static final Duration WAIT = Duration.ofSeconds(10);
  /** What the issue promises for a revoked key's connections, and so for an expired key's. */
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

  static HttpResponse<Buffer> create(JsonObject body) {
    return Await.result(gw.http.post("/api/service-keys").bearerTokenAuthentication(admin).sendJsonObject(body));
  }

  static JsonObject listed(String name) {
    return Await.result(gw.http.get("/api/service-keys").bearerTokenAuthentication(admin).send()).bodyAsJsonArray().stream()
        .map(JsonObject.class::cast).filter(k -> name.equals(k.getString("name"))).findFirst().orElseThrow();
  }

  static HttpResponse<Buffer> publish(String secret) {
    return Await.result(gw.http.post("/api/bus/publish").bearerTokenAuthentication(secret)
        .sendJsonObject(new JsonObject().put("address", "metrics.custom.x").put("body", 1)));
  }

  static JsonObject grants() {
    return new JsonObject().put("publish", new JsonArray().add("metrics.custom.**"));
  }

  @Test
  void aKeyIsMadeWithAnExpiryInDaysOrAtAnInstantAndListedWithIt() {
    Instant before = Instant.now();
    HttpResponse<Buffer> r = create(new JsonObject().put("name", "ninety-days").put("expiresInDays", 90));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    Instant at = Instant.parse(r.bodyAsJsonObject().getString("expiresAt"));
    assertThat(at).isBetween(before.plus(Duration.ofDays(90)), Instant.now().plus(Duration.ofDays(90)));
    JsonObject listed = listed("ninety-days");
    assertThat(Instant.parse(listed.getString("expiresAt"))).isEqualTo(at);
    assertThat(listed.getBoolean("expired")).isFalse();

    String when = "2031-05-01T12:00:00Z";
    assertThat(create(new JsonObject().put("name", "until-2031").put("expiresAt", when)).statusCode()).isEqualTo(201);
    assertThat(Instant.parse(listed("until-2031").getString("expiresAt"))).isEqualTo(Instant.parse(when));
    assertThat(listed("until-2031").getValue("expiresAt")).isNotNull();

    assertThat(create(new JsonObject().put("name", "forever")).statusCode()).isEqualTo(201);
    assertThat(listed("forever").getValue("expiresAt")).isNull();
  }

  @Test
  void anExpiryThatMakesNoSenseIsRefusedAsInvalidRequest() {
    for (JsonObject bad : new JsonObject[] {
        new JsonObject().put("name", "bad-1").put("expiresAt", "2020-01-01T00:00:00Z"),
        new JsonObject().put("name", "bad-2").put("expiresAt", "next tuesday"),
        new JsonObject().put("name", "bad-3").put("expiresInDays", 0),
        new JsonObject().put("name", "bad-4").put("expiresInDays", 1.5),
        new JsonObject().put("name", "bad-5").put("expiresInDays", 30).put("expiresAt", "2031-01-01T00:00:00Z")}) {
      HttpResponse<Buffer> r = create(bad);
      assertThat(r.statusCode()).as(bad.encode()).isEqualTo(400);
      assertThat(r.bodyAsJsonObject().getString("error")).isEqualTo("invalid_request");
    }
  }

  @Test
  void anExpiredKeyIsRefusedEverywhereAndItsOpenConnectionsAreCutWithinFiveSeconds() throws Exception {
    Instant expiresAt = Instant.now().plusSeconds(3);
    HttpResponse<Buffer> made = create(new JsonObject().put("name", "short-lived").put("grants", grants()).put("expiresAt", expiresAt.toString()));
    assertThat(made.statusCode()).as(made.bodyAsString()).isEqualTo(201);
    String secret = made.bodyAsJsonObject().getString("secret");

    try (TcpBridgeClient tcp = new TcpBridgeClient(tcpPort); BridgeClient ws = gw.client(BridgeClient.Transport.RAW, secret)) {
      tcp.send(new JsonObject().put("type", "register").put("address", "status.server")
          .put("headers", new JsonObject().put("authorization", "Bearer " + secret)));
      tcp.sync(WAIT);
      ws.register("status.server");
      Await.until("both connections subscribed", WAIT, () -> gw.gateway.bridge().subscriberCount("status.server") == 2);
      assertThat(publish(secret).statusCode()).as("works until it expires").isEqualTo(202);

      // cut with key_expired within 5 s of the expiry, on both bridges
      Duration left = Duration.between(Instant.now(), expiresAt).plus(CUT_WITHIN);
      JsonObject err = tcp.next(f -> "err".equals(f.getString("type")), left);
      assertThat(Instant.now()).isBefore(expiresAt.plus(CUT_WITHIN));
      assertThat(err.getString("failureType")).isEqualTo("key_expired");
      assertThat(err.getString("message")).contains("short-lived");
      Await.until("tcp socket closed", CUT_WITHIN, tcp::isClosed);
      assertThat(ws.next(f -> "err".equals(f.getString("type")), CUT_WITHIN).getString("failureType")).isEqualTo("key_expired");
      Await.until("websocket closed", CUT_WITHIN, ws::isClosed);
    }

    // refused at once everywhere after
    HttpResponse<Buffer> http = publish(secret);
    assertThat(http.statusCode()).isEqualTo(401);
    assertThat(http.bodyAsJsonObject().getString("error")).isEqualTo("key_expired");
    try (TcpBridgeClient tcp = new TcpBridgeClient(tcpPort)) {
      tcp.send(new JsonObject().put("type", "publish").put("address", "metrics.custom.x").put("body", 1)
          .put("headers", new JsonObject().put("authorization", "Bearer " + secret)));
      assertThat(tcp.next(f -> "err".equals(f.getString("type")), WAIT).getString("failureType")).isEqualTo("key_expired");
    }
    try (BridgeClient ws = gw.client(BridgeClient.Transport.RAW, secret)) {
      ws.register("status.server");
      assertThat(ws.nextErr(WAIT).getString("failureType")).isEqualTo("key_expired");
    }
    assertThat(listed("short-lived").getBoolean("expired")).isTrue();
  }
}
