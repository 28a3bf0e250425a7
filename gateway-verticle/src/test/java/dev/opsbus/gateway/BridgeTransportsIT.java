package dev.opsbus.gateway;

import dev.opsbus.gateway.bridge.BridgeLimits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.gateway.JsBridgeClient.Auth;
import dev.opsbus.gateway.JsBridgeClient.Transport;
import dev.opsbus.model.Addresses;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.testkit.Await;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The bridge protocol as the real browser client sees it, on every transport: vertx-eventbus.js over
 * sockjs-client held on websocket, xhr-streaming, xhr-polling or eventsource, and the same frames over
 * the raw WebSocket. Each case asserts what the client's handlers, {@code onerror} and {@code onclose} got.
 */
class BridgeTransportsIT {

  static final Duration WAIT = Duration.ofSeconds(20);

  /** Defaults, as a node runs. */
  static GatewayHarness gw;
  /** Tokens live 6 s: long enough for a loaded machine to start the client, short for the test. */
  static GatewayHarness expiring;
  /** Idle after 2 s, one connection per user. */
  static GatewayHarness strict;

  static String viewer;
  static String admin;
  static String service;

  @BeforeAll
  static void start() {
    TestDatabase.reset();
    // one event loop: a task run on this Vert.x runs on the gateway's thread (dropAllConnections below)
    gw = GatewayHarness.startOn(Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1)), c -> c);
    // the other two share the database, so users and the signing key are the same everywhere
    expiring = GatewayHarness.startOn(Vertx.vertx(), c -> new GatewayConfig(c.nodeId(), c.version(), c.host(), c.port(), c.db(),
        c.dbPoolSize(), c.rules(), c.allowedOrigins(), Duration.ofSeconds(6), c.secureCookie(), c.initialAdminPassword(), c.bridge()));
    strict = GatewayHarness.startOn(Vertx.vertx(), c -> {
      BridgeLimits b = c.bridge();
      return new GatewayConfig(c.nodeId(), c.version(), c.host(), c.port(), c.db(), c.dbPoolSize(), c.rules(), c.allowedOrigins(),
          c.tokenTtl(), c.secureCookie(), c.initialAdminPassword(), new BridgeLimits(b.maxFrameBytes(), b.maxAddressLength(),
          b.queueBound(), b.maxSubscriptions(), b.ratePerSecond(), b.rateBurst(), 1, Duration.ofSeconds(2), b.requestTimeout()));
    });
    viewer = gw.user("vic", List.of("viewer"), List.of("h1"));
    service = gw.user("svc", List.of("service"), List.of("h1"));
    admin = gw.adminToken();
  }

  @AfterAll
  static void stop() {
    for (GatewayHarness h : new GatewayHarness[] {strict, expiring, gw}) {
      if (h != null) {
        h.close();
      }
    }
  }

  /** The clients of earlier cases are gone (their close may still be on its way when the next starts). */
  @BeforeEach
  void noClientLeftOver() {
    for (GatewayHarness h : new GatewayHarness[] {gw, expiring, strict}) {
      Await.until("clients of earlier tests gone", WAIT, () -> {
        JsonObject s = stats(h);
        return s.getInteger("sockJsConnections") == 0 && s.getInteger("webSocketConnections") == 0;
      });
    }
  }

  static JsonObject stats(GatewayHarness h) {
    return Await.result(h.vertx.eventBus().<JsonObject>request(Addresses.NODE_GATEWAY_STATS.format(h.nodeId), null)).body();
  }

  /** Registers and waits until the gateway counts the subscription, so a publish cannot race it. */
  static void subscribe(GatewayHarness h, JsBridgeClient c, String address) {
    int before = stats(h).getInteger("bridgeSubscriptions");
    c.register(address);
    Await.until("subscription to " + address, WAIT, () -> stats(h).getInteger("bridgeSubscriptions") > before);
  }

  static Stream<Arguments> everyTransportWithEachAuth() {
    return Arrays.stream(Transport.values()).flatMap(t -> Stream.of(Arguments.of(t, Auth.HEADER), Arguments.of(t, Auth.COOKIE)));
  }

  static void assertErr(JsonObject ev, ErrorCode code) {
    assertThat(ev.getString("failureType")).as(ev.encode()).isEqualTo(code.wireName());
    assertThat(ev.getInteger("failureCode")).as(ev.encode()).isEqualTo(code.failureCode());
    assertThat(ev.getString("message")).as(ev.encode()).isNotBlank();
  }

  /** The err the client's onerror got, then the close: in that order, with the code and reason. */
  static void assertClosedWithReason(JsBridgeClient c, ErrorCode code, int closeCode) {
    JsonObject err = c.await(e -> "onerror".equals(e.getString("ev")) || "close".equals(e.getString("ev")), WAIT);
    assertThat(err.getString("ev")).as("the err frame comes before the close; the client saw %s", c.seen()).isEqualTo("onerror");
    assertErr(err, code);
    JsonObject close = c.awaitEvent("close", WAIT);
    assertThat(close.getInteger("code")).as(close.encode()).isEqualTo(closeCode);
    assertThat(close.getString("reason")).as(close.encode()).isEqualTo(code.wireName());
  }

  @ParameterizedTest(name = "{0} with the token as {1}")
  @MethodSource("everyTransportWithEachAuth")
  void subscriberReceivesWhatIsPublishedOnTheBusIntact(Transport transport, Auth auth) {
    try (JsBridgeClient c = JsBridgeClient.open(gw.port(), transport, auth, viewer).awaitOpen(WAIT)) {
      subscribe(gw, c, Addresses.METRICS_NODE);
      // what each transport must carry unharmed: % (EventSource data is decodeURI'd), non-ASCII,
      // a line separator, a closing script tag (htmlfile), quotes and backslashes
      JsonObject body = new JsonObject().put("type", "node_metrics").put("cpuPercent", 50.5)
          .put("note", "cpu at 50% \u00e9\u2713\u2028 </script> \"q\" \\ %41 end");
      gw.vertx.eventBus().publish(Addresses.METRICS_NODE, body);
      JsonObject rec = c.awaitEvent("rec", WAIT);
      assertThat(rec.getString("address")).isEqualTo(Addresses.METRICS_NODE);
      assertThat(rec.getJsonObject("body")).isEqualTo(body);
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void servicePublishReachesTheBusWithWhoSentIt(Transport transport) {
    String address = Addresses.LOGS_HOST.format("h1", "syslog");
    List<Message<Object>> got = new CopyOnWriteArrayList<>();
    MessageConsumer<Object> consumer = gw.vertx.eventBus().consumer(address, got::add);
    Await.result(consumer.completion());
    try (JsBridgeClient c = JsBridgeClient.open(gw.port(), transport, Auth.HEADER, service).awaitOpen(WAIT)) {
      c.publish(address, new JsonObject().put("lines", List.of("boot ok")));
      Await.until("the published message on the bus", WAIT, () -> !got.isEmpty());
      assertThat(((JsonObject) got.get(0).body()).getJsonArray("lines").getString(0)).isEqualTo("boot ok");
      assertThat(got.get(0).headers().get("opsbus-user")).isEqualTo("svc");
      assertThat(got.get(0).headers().contains("authorization")).isFalse();
    } finally {
      Await.result(consumer.unregister());
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void requestsGetTheReplyOrTheCodedFailureInTheirCallback(Transport transport) {
    MessageConsumer<JsonObject> opsGet = gw.vertx.eventBus().consumer(Addresses.OPS_GET, m -> {
      if ("missing".equals(m.body().getString("id"))) {
        m.fail(ErrorCode.NOT_FOUND.failureCode(), "no operation 'missing'");
      } else {
        m.reply(new JsonObject().put("id", m.body().getString("id")).put("askedBy", m.headers().get("opsbus-user")));
      }
    });
    Await.result(opsGet.completion());
    try (JsBridgeClient c = JsBridgeClient.open(gw.port(), transport, Auth.HEADER, viewer).awaitOpen(WAIT)) {
      c.request("found", Addresses.OPS_GET, new JsonObject().put("id", "op-1"));
      JsonObject reply = answer(c, "found");
      assertThat(reply.getString("ev")).as(reply.encode()).isEqualTo("rec");
      assertThat(reply.getJsonObject("body").getString("askedBy")).isEqualTo("vic");

      c.request("missing", Addresses.OPS_GET, new JsonObject().put("id", "missing"));
      JsonObject failed = answer(c, "missing");
      assertThat(failed.getString("ev")).isEqualTo("err");
      assertErr(failed, ErrorCode.NOT_FOUND);
      assertThat(failed.getString("message")).contains("missing");

      // nothing serves ops.list here
      c.request("nobody", Addresses.OPS_LIST, new JsonObject());
      assertErr(answer(c, "nobody"), ErrorCode.NO_HANDLER);

      c.request("unknown", "no.such.address", new JsonObject());
      assertErr(answer(c, "unknown"), ErrorCode.UNKNOWN_ADDRESS);
    } finally {
      Await.result(opsGet.unregister());
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void aReplyCarriesItsHeadersAndAQuestionBackIsAnsweredWithMsgReply(Transport transport) {
    MessageConsumer<JsonObject> opsGet = gw.vertx.eventBus().consumer(Addresses.OPS_GET, m ->
        m.replyAndRequest(new JsonObject().put("question", "sure?"), new io.vertx.core.eventbus.DeliveryOptions().addHeader("x-step", "confirm"))
            .onSuccess(confirm -> confirm.reply(new JsonObject().put("confirmed", confirm.body()).put("by", confirm.headers().get("opsbus-user")),
                new io.vertx.core.eventbus.DeliveryOptions().addHeader("x-step", "done"))));
    Await.result(opsGet.completion());
    try (JsBridgeClient c = JsBridgeClient.open(gw.port(), transport, Auth.HEADER, viewer).awaitOpen(WAIT)) {
      c.request("ask", Addresses.OPS_GET, new JsonObject().put("id", "op-1"));
      JsonObject question = answer(c, "ask");
      assertThat(question.getString("ev")).as(question.encode()).isEqualTo("rec");
      assertThat(question.getJsonObject("body").getString("question")).isEqualTo("sure?");
      assertThat(question.getJsonObject("headers").getString("x-step")).isEqualTo("confirm");
      assertThat(question.getString("replyAddress")).isNotBlank();
      c.reply("confirm", "ask", "yes", new JsonObject().put("x-answer", "1"));
      JsonObject done = answer(c, "confirm");
      assertThat(done.getString("ev")).as(done.encode()).isEqualTo("rec");
      assertThat(done.getJsonObject("body").getString("confirmed")).isEqualTo("yes");
      assertThat(done.getJsonObject("body").getString("by")).isEqualTo("vic");
      assertThat(done.getJsonObject("headers").getString("x-step")).isEqualTo("done");
    } finally {
      Await.result(opsGet.unregister());
    }
  }

  /** The reply callback's call for a request: a rec or an err. */
  static JsonObject answer(JsBridgeClient c, String id) {
    return c.await(e -> id.equals(e.getString("id")) && ("rec".equals(e.getString("ev")) || "err".equals(e.getString("ev"))), WAIT);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void refusedRegisterReachesTheHandlerWithItsFailureType(Transport transport) {
    try (JsBridgeClient c = JsBridgeClient.open(gw.port(), transport, Auth.HEADER, viewer).awaitOpen(WAIT)) {
      c.register(Addresses.OPS_UPDATES_ALL);
      JsonObject err = c.await(e -> "err".equals(e.getString("ev")), WAIT);
      assertThat(err.getString("address")).isEqualTo(Addresses.OPS_UPDATES_ALL);
      assertErr(err, ErrorCode.ACCESS_DENIED);
      assertThat(err.getString("message")).contains(Addresses.OPS_UPDATES_ALL);
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void badFramesGetClearErrorsAndTheConnectionKeepsServing(Transport transport) {
    try (JsBridgeClient c = JsBridgeClient.open(gw.port(), transport, Auth.HEADER, viewer).awaitOpen(WAIT)) {
      c.raw("{this is not json");
      assertErr(c.awaitEvent("onerror", WAIT), ErrorCode.INVALID_JSON);
      c.raw(new JsonObject().put("type", "subscribe-please").put("address", Addresses.METRICS_NODE).encode());
      assertErr(c.awaitEvent("onerror", WAIT), ErrorCode.INVALID_FRAME);
      // over the frame limit but within a message's: refused, and the connection carries on
      c.raw(new JsonObject().put("type", "publish").put("address", Addresses.METRICS_NODE).put("body", "x".repeat(70 * 1024)).encode());
      assertErr(c.awaitEvent("onerror", WAIT), ErrorCode.TOO_LARGE);

      subscribe(gw, c, Addresses.METRICS_NODE);
      gw.vertx.eventBus().publish(Addresses.METRICS_NODE, new JsonObject().put("still", "here"));
      assertThat(c.awaitEvent("rec", WAIT).getJsonObject("body").getString("still")).isEqualTo("here");
    }
  }

  @ParameterizedTest
  @EnumSource(value = Transport.class, names = {"XHR_STREAMING", "XHR_POLLING", "EVENTSOURCE"})
  void requestBodyOverTheBoundIsRefusedWithTooLargeAndTheClose(Transport transport) {
    try (JsBridgeClient c = JsBridgeClient.open(gw.port(), transport, Auth.HEADER, viewer).awaitOpen(WAIT)) {
      c.publish(Addresses.METRICS_NODE, "x".repeat(200 * 1024));
      assertClosedWithReason(c, ErrorCode.TOO_LARGE, 1009);
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void expiredTokenClosesWithTheErrThenTheReason(Transport transport) {
    String shortLived = expiring.token("vic", "vic-password");
    try (JsBridgeClient c = JsBridgeClient.open(expiring.port(), transport, Auth.COOKIE, shortLived).awaitOpen(WAIT)) {
      assertThat(stats(expiring).getInteger("webSessions")).as("the connection was let in with its token").isEqualTo(1);
      assertClosedWithReason(c, ErrorCode.TOKEN_EXPIRED, 1008);
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void silentClientIsClosedAtTheIdleTimeoutWithTheReason(Transport transport) {
    try (JsBridgeClient c = JsBridgeClient.open(strict.port(), transport, Auth.HEADER, viewer, Duration.ofMinutes(5)).awaitOpen(WAIT)) {
      assertClosedWithReason(c, ErrorCode.TIMEOUT, 1008);
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void connectionOverTheUsersCapIsClosedWithTheReason(Transport transport) {
    try (JsBridgeClient first = JsBridgeClient.open(strict.port(), transport, Auth.COOKIE, viewer, Duration.ofMillis(500)).awaitOpen(WAIT);
         JsBridgeClient second = JsBridgeClient.open(strict.port(), transport, Auth.COOKIE, viewer, Duration.ofMillis(500))) {
      second.awaitOpen(WAIT);
      assertClosedWithReason(second, ErrorCode.TOO_MANY_CONNECTIONS, 1008);
      assertThat(first.seen()).noneMatch(e -> "close".equals(e.getString("ev")));
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void droppedByTheNodeClosesWithUnavailable(Transport transport) {
    try (JsBridgeClient c = JsBridgeClient.open(gw.port(), transport, Auth.HEADER, viewer).awaitOpen(WAIT)) {
      subscribe(gw, c, Addresses.METRICS_NODE);
      gw.vertx.runOnContext(v -> gw.gateway.bridge().dropAllConnections("the node is moving clients elsewhere: reconnect"));
      assertClosedWithReason(c, ErrorCode.UNAVAILABLE, 1001);
    }
  }
}
