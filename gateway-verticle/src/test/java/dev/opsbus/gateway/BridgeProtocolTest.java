package dev.opsbus.gateway;

import dev.opsbus.testkit.Await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.ErrorCode;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The bridge protocol as a client sees it, over the raw WebSocket and over SockJS alike. */
class BridgeProtocolTest {

  static final Duration WAIT = Duration.ofSeconds(10);

  static GatewayHarness gw;
  static String viewer;
  static String admin;
  static final List<JsonObject> activity = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    gw = GatewayHarness.start();
    viewer = gw.user("vera", List.of("viewer"), List.of("h1"));
    admin = gw.adminToken();
    MessageConsumer<JsonObject> c = gw.vertx.eventBus().consumer(Addresses.ACTIVITY_EVENTS, m -> activity.add(m.body()));
    Await.result(c.completion());
  }

  @AfterAll
  static void stop() {
    gw.close();
  }

  /**
   * The clients of earlier tests are closed, but the gateway may not have handled every close yet:
   * wait until it counts no connection, so {@link #subscribe} does not see one client leave while
   * another joins (the count would stand still).
   */
  @org.junit.jupiter.api.BeforeEach
  void noClientLeftOver() {
    Await.until("clients of earlier tests gone", WAIT, () -> {
      JsonObject s = Await.result(gw.vertx.eventBus().<JsonObject>request(Addresses.NODE_GATEWAY_STATS.format(gw.nodeId), null)).body();
      return s.getInteger("sockJsConnections") == 0 && s.getInteger("webSocketConnections") == 0 && s.getInteger("bridgeSubscriptions") == 0;
    });
  }

  /** Registers and waits until the gateway counts the subscription, so a publish cannot race it. */
  static void subscribe(BridgeClient client, String address) {
    int before = subscriptions();
    client.register(address);
    Await.until("subscription to " + address, WAIT, () -> subscriptions() > before);
  }

  static int subscriptions() {
    return Await.result(gw.vertx.eventBus().<JsonObject>request(Addresses.NODE_GATEWAY_STATS.format(gw.nodeId), null))
        .body().getInteger("bridgeSubscriptions");
  }

  static void assertErr(JsonObject err, String address, ErrorCode code) {
    assertThat(err.getString("type")).isEqualTo("err");
    assertThat(err.getString("address")).isEqualTo(address);
    assertThat(err.getString("failureType")).isEqualTo(code.wireName());
    assertThat(err.getInteger("failureCode")).isEqualTo(code.failureCode());
    assertThat(err.getString("body")).isEqualTo(code.wireName());
    assertThat(err.getString("message")).isNotBlank();
  }

  @ParameterizedTest
  @EnumSource(BridgeClient.Transport.class)
  void viewerReceivesMetricsPublishedOnTheBus(BridgeClient.Transport transport) {
    try (BridgeClient c = gw.client(transport, viewer)) {
      subscribe(c, Addresses.METRICS_NODE);
      gw.vertx.eventBus().publish(Addresses.METRICS_NODE, new JsonObject().put("type", "node_metrics").put("cpuPercent", 12.5));
      JsonObject rec = c.next(WAIT);
      assertThat(rec.getString("type")).isEqualTo("rec");
      assertThat(rec.getString("address")).isEqualTo(Addresses.METRICS_NODE);
      assertThat(rec.getJsonObject("body").getDouble("cpuPercent")).isEqualTo(12.5);
    }
  }

  @ParameterizedTest
  @EnumSource(BridgeClient.Transport.class)
  void viewerRegisteringAdminOnlyAddressGetsAccessDeniedAndItIsRecorded(BridgeClient.Transport transport) {
    activity.clear();
    try (BridgeClient c = gw.client(transport, viewer)) {
      c.register(Addresses.OPS_UPDATES_ALL);
      assertErr(c.nextErr(WAIT), Addresses.OPS_UPDATES_ALL, ErrorCode.ACCESS_DENIED);
      Await.until("access_denied on activity.events", WAIT, () -> activity.stream().anyMatch(a ->
          "access_denied".equals(a.getString("code")) && Addresses.OPS_UPDATES_ALL.equals(a.getString("address"))
              && "vera".equals(a.getString("username"))));
      // nothing leaks through afterwards
      gw.vertx.eventBus().publish(Addresses.OPS_UPDATES_ALL, new JsonObject().put("secret", true));
      subscribe(c, Addresses.METRICS_NODE);
      gw.vertx.eventBus().publish(Addresses.METRICS_NODE, new JsonObject().put("n", 1));
      assertThat(c.next(WAIT).getString("address")).isEqualTo(Addresses.METRICS_NODE);
    }
  }

  @ParameterizedTest
  @EnumSource(BridgeClient.Transport.class)
  void hostGrantDecidesWhichHostsUpdatesAViewerMayWatch(BridgeClient.Transport transport) {
    String h1 = Addresses.OPS_UPDATES_HOST.format("h1");
    String h2 = Addresses.OPS_UPDATES_HOST.format("h2");
    try (BridgeClient c = gw.client(transport, viewer)) {
      c.register(h2);
      assertErr(c.nextErr(WAIT), h2, ErrorCode.ACCESS_DENIED);
      subscribe(c, h1);
      gw.vertx.eventBus().publish(h2, new JsonObject().put("host", "h2"));
      gw.vertx.eventBus().publish(h1, new JsonObject().put("host", "h1"));
      JsonObject rec = c.next(WAIT);
      assertThat(rec.getString("address")).isEqualTo(h1);
      assertThat(rec.getJsonObject("body").getString("host")).isEqualTo("h1");
    }
  }

  @ParameterizedTest
  @EnumSource(BridgeClient.Transport.class)
  void socketWithoutTokenGetsNotLoggedIn(BridgeClient.Transport transport) {
    try (BridgeClient c = gw.client(transport, null)) {
      c.register(Addresses.METRICS_NODE);
      assertErr(c.nextErr(WAIT), Addresses.METRICS_NODE, ErrorCode.NOT_LOGGED_IN);
    }
  }

  @ParameterizedTest
  @EnumSource(BridgeClient.Transport.class)
  void tokenInFrameHeadersLogsTheConnectionIn(BridgeClient.Transport transport) {
    try (BridgeClient c = gw.client(transport, null)) {
      int before = subscriptions();
      c.register(Addresses.METRICS_NODE, viewer);
      Await.until("subscribed", WAIT, () -> subscriptions() > before);
      gw.vertx.eventBus().publish(Addresses.METRICS_NODE, new JsonObject().put("n", 7));
      assertThat(c.next(WAIT).getJsonObject("body").getInteger("n")).isEqualTo(7);
    }
  }

  @ParameterizedTest
  @EnumSource(BridgeClient.Transport.class)
  void forgedTokenInFrameHeadersIsRefusedAsInvalid(BridgeClient.Transport transport) {
    try (BridgeClient c = gw.client(transport, null)) {
      c.register(Addresses.METRICS_NODE, viewer.substring(0, viewer.length() - 4) + "AAAA");
      assertErr(c.nextErr(WAIT), Addresses.METRICS_NODE, ErrorCode.INVALID_TOKEN);
    }
  }

  @ParameterizedTest
  @EnumSource(BridgeClient.Transport.class)
  void badFramesGetClearErrorsAndTheConnectionKeepsServing(BridgeClient.Transport transport) {
    try (BridgeClient c = gw.client(transport, viewer)) {
      c.sendText("{this is not json");
      JsonObject e1 = c.nextErr(WAIT);
      assertThat(e1.getString("failureType")).isEqualTo("invalid_json");
      assertThat(e1.containsKey("address")).isFalse();

      c.send(new JsonObject().put("type", "subscribe-please").put("address", Addresses.METRICS_NODE));
      assertThat(c.nextErr(WAIT).getString("failureType")).isEqualTo("invalid_frame");

      c.send(new JsonObject().put("type", "register"));
      assertThat(c.nextErr(WAIT).getString("message")).contains("address");

      c.register("metrics." + "x".repeat(400));
      JsonObject e4 = c.nextErr(WAIT);
      assertThat(e4.getString("failureType")).isEqualTo("invalid_frame");
      assertThat(e4.getString("message")).contains("over the limit");

      c.register("no.such.address");
      assertErr(c.nextErr(WAIT), "no.such.address", ErrorCode.UNKNOWN_ADDRESS);

      c.send(new JsonObject().put("type", "publish").put("address", Addresses.METRICS_NODE).put("body", "x".repeat(70 * 1024)));
      assertThat(c.nextErr(WAIT).getString("failureType")).isEqualTo("too_large");

      // and after all that, the connection still works
      subscribe(c, Addresses.METRICS_NODE);
      gw.vertx.eventBus().publish(Addresses.METRICS_NODE, new JsonObject().put("still", "here"));
      assertThat(c.next(WAIT).getJsonObject("body").getString("still")).isEqualTo("here");
      assertThat(c.isClosed()).isFalse();
    }
  }

  @ParameterizedTest
  @EnumSource(BridgeClient.Transport.class)
  void viewerMayNotPublishMetrics(BridgeClient.Transport transport) {
    try (BridgeClient c = gw.client(transport, viewer)) {
      c.send(new JsonObject().put("type", "publish").put("address", Addresses.METRICS_NODE).put("body", new JsonObject()));
      assertErr(c.nextErr(WAIT), Addresses.METRICS_NODE, ErrorCode.ACCESS_DENIED);
    }
  }

  @ParameterizedTest
  @EnumSource(BridgeClient.Transport.class)
  void requestsGetTheirReplyOrTheServicesCodedFailure(BridgeClient.Transport transport) {
    MessageConsumer<JsonObject> service = gw.vertx.eventBus().consumer(Addresses.OPS_GET, m -> {
      if ("missing".equals(m.body().getString("id"))) {
        m.fail(ErrorCode.NOT_FOUND.failureCode(), "no operation 'missing'");
      } else {
        m.reply(new JsonObject().put("id", m.body().getString("id")).put("askedBy", m.headers().get("opsbus-user"))
            .put("sawToken", m.headers().contains("authorization")));
      }
    });
    Await.result(service.completion());
    try (BridgeClient c = gw.client(transport, viewer)) {
      c.send(new JsonObject().put("type", "send").put("address", Addresses.OPS_GET).put("replyAddress", "r-1")
          .put("headers", new JsonObject().put("authorization", "Bearer " + viewer)).put("body", new JsonObject().put("id", "op-1")));
      JsonObject reply = c.next(WAIT);
      assertThat(reply.getString("type")).isEqualTo("rec");
      assertThat(reply.getString("address")).isEqualTo("r-1");
      assertThat(reply.getJsonObject("body").getString("askedBy")).isEqualTo("vera");
      assertThat(reply.getJsonObject("body").getBoolean("sawToken")).isFalse();

      c.send(new JsonObject().put("type", "send").put("address", Addresses.OPS_GET).put("replyAddress", "r-2")
          .put("body", new JsonObject().put("id", "missing")));
      assertErr(c.nextErr(WAIT), "r-2", ErrorCode.NOT_FOUND);
    } finally {
      Await.result(service.unregister());
    }
    try (BridgeClient c = gw.client(transport, viewer)) {
      c.send(new JsonObject().put("type", "send").put("address", Addresses.OPS_LIST).put("replyAddress", "r-3").put("body", new JsonObject()));
      assertErr(c.nextErr(WAIT), "r-3", ErrorCode.NO_HANDLER);
    }
  }

  @ParameterizedTest
  @EnumSource(BridgeClient.Transport.class)
  void handshakeFromAForeignOriginIsRefused(BridgeClient.Transport transport) {
    assertThatThrownBy(() -> BridgeClient.connect(gw.vertx, transport, gw.port(), viewer, "http://evil.example"))
        .hasRootCauseInstanceOf(UpgradeRejectedException.class)
        .rootCause().satisfies(e -> assertThat(((UpgradeRejectedException) e).getStatus()).isEqualTo(403));
    // an allowed origin and the node's own origin may connect
    try (BridgeClient ok = BridgeClient.connect(gw.vertx, transport, gw.port(), viewer, "http://console.example")) {
      assertThat(ok.isClosed()).isFalse();
    }
    try (BridgeClient self = BridgeClient.connect(gw.vertx, transport, gw.port(), viewer, "http://localhost:" + gw.port())) {
      assertThat(self.isClosed()).isFalse();
    }
  }

  @ParameterizedTest
  @EnumSource(BridgeClient.Transport.class)
  void adminGetsEverythingTheRulesGiveAdmins(BridgeClient.Transport transport) {
    try (BridgeClient c = gw.client(transport, admin)) {
      subscribe(c, Addresses.OPS_UPDATES_ALL);
      subscribe(c, Addresses.ACTIVITY_EVENTS);
      gw.vertx.eventBus().publish(Addresses.OPS_UPDATES_ALL, new JsonObject().put("op", 1));
      assertThat(c.next(f -> Addresses.OPS_UPDATES_ALL.equals(f.getString("address")), WAIT).getJsonObject("body").getInteger("op")).isEqualTo(1);
    }
  }

  @org.junit.jupiter.api.Test
  void prometheusMetricsCountTheOpenBridgeSockets() {
    try (BridgeClient raw = gw.client(BridgeClient.Transport.RAW, viewer);
         BridgeClient sockjs = gw.client(BridgeClient.Transport.SOCKJS, viewer)) {
      subscribe(raw, Addresses.METRICS_NODE);
      subscribe(sockjs, Addresses.METRICS_NODE);
      String text = Await.result(gw.http.get("/metrics").send()).bodyAsString();
      assertThat(text).containsPattern("opsbus_bridge_connections\\{[^}]*transport=\"websocket\"[^}]*} 1\\.0");
      assertThat(text).containsPattern("opsbus_bridge_connections\\{[^}]*transport=\"sockjs\"[^}]*} 1\\.0");
      assertThat(text).containsPattern("opsbus_bridge_bus_consumers\\{[^}]*} 1\\.0");
    }
  }
}
