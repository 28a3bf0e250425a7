package dev.opsbus.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.gateway.servicekeys.ServiceSettings;
import dev.opsbus.testkit.Await;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each bridge connection's own address ({@code conn.{connectionId}}): a tab asks {@code conn.self}
 * for it, only that tab may receive on it (not another tab of the same user, not another user), and
 * a service granted {@code conn.*} sends or publishes there, over the TCP bridge, to that tab alone.
 * The gateway's stats report counts the TCP bridge's connections beside the browsers'.
 */
class ConnectionAddressTest {

  static final Duration WAIT = Duration.ofSeconds(10);

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

  static String key(String name, JsonObject grants) {
    HttpResponse<Buffer> r = Await.result(gw.http.post("/api/service-keys").bearerTokenAuthentication(admin)
        .sendJsonObject(new JsonObject().put("name", name).put("grants", grants)));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    return r.bodyAsJsonObject().getString("secret");
  }

  /** Asks the connection's own address, then receives on it. */
  static String ownAddress(BridgeClient tab, String replyAddress) {
    tab.send(new JsonObject().put("type", "send").put("address", "conn.self").put("replyAddress", replyAddress).put("body", new JsonObject()));
    JsonObject answer = tab.next(f -> replyAddress.equals(f.getString("address")), WAIT);
    assertThat(answer.getString("type")).as(answer.encode()).isEqualTo("rec");
    String own = answer.getJsonObject("body").getString("address");
    assertThat(own).matches("conn\\.[A-Za-z0-9_-]{22}");
    return own;
  }

  static void receiveOn(BridgeClient tab, String address) {
    tab.register(address);
    Await.until("subscribed to " + address, WAIT, () -> gw.gateway.bridge().subscriberCount(address) == 1);
  }

  @Test
  void aServiceOverTheTcpBridgeReachesOneTabAndNoOtherMayListenThere() throws Exception {
    String secret = key("tab-answers", new JsonObject().put("send", new JsonArray().add("conn.*")).put("publish", new JsonArray().add("conn.*")));
    String ann = gw.user("ann", List.of("viewer"), List.of());
    String bob = gw.user("bob", List.of("operator"), List.of());
    try (BridgeClient annTab = gw.client(BridgeClient.Transport.SOCKJS, ann);
        BridgeClient annOtherTab = gw.client(BridgeClient.Transport.RAW, ann);
        BridgeClient bobTab = gw.client(BridgeClient.Transport.RAW, bob);
        TcpBridgeClient service = new TcpBridgeClient(tcpPort)) {
      String annAddress = ownAddress(annTab, "a-1");
      assertThat(ownAddress(annTab, "a-2")).as("the same address each time").isEqualTo(annAddress);
      String otherAddress = ownAddress(annOtherTab, "o-1");
      String bobAddress = ownAddress(bobTab, "b-1");
      assertThat(otherAddress).isNotEqualTo(annAddress);
      receiveOn(annTab, annAddress);
      receiveOn(annOtherTab, otherAddress);
      receiveOn(bobTab, bobAddress);

      // nobody else may listen there: not another user, not another tab of the same user
      bobTab.register(annAddress);
      JsonObject refused = bobTab.nextErr(WAIT);
      assertThat(refused.getString("failureType")).isEqualTo("access_denied");
      assertThat(refused.getString("address")).isEqualTo(annAddress);
      annOtherTab.register(annAddress);
      assertThat(annOtherTab.nextErr(WAIT).getString("failureType")).isEqualTo("access_denied");
      // nor the service, nor the name that asks
      service.send(new JsonObject().put("type", "register").put("address", annAddress)
          .put("headers", new JsonObject().put("authorization", "Bearer " + secret)));
      assertThat(service.next(f -> "err".equals(f.getString("type")), WAIT).getString("failureType")).isEqualTo("access_denied");
      annTab.register("conn.self");
      assertThat(annTab.nextErr(WAIT).getString("failureType")).isEqualTo("access_denied");
      // and a browser may not send to a tab: only a service with the grant
      bobTab.send(new JsonObject().put("type", "send").put("address", annAddress).put("body", "phish"));
      assertThat(bobTab.nextErr(WAIT).getString("failureType")).isEqualTo("access_denied");
      assertThat(gw.gateway.bridge().subscriberCount(annAddress)).isEqualTo(1);

      // the service answers ann's first tab, by send and by publish
      service.send(new JsonObject().put("type", "send").put("address", annAddress).put("body", new JsonObject().put("n", 1)));
      service.send(new JsonObject().put("type", "publish").put("address", annAddress).put("body", new JsonObject().put("n", 2)));
      service.sync(WAIT);
      for (int n = 1; n <= 2; n++) {
        int want = n;
        JsonObject rec = annTab.next(f -> "rec".equals(f.getString("type")) && annAddress.equals(f.getString("address")), WAIT);
        assertThat(rec.getJsonObject("body").getInteger("n")).isEqualTo(want);
        assertThat(rec.getJsonObject("headers", new JsonObject()).getString("opsbus-user")).isNull();
      }
      // then a marker to each other tab: the first message either sees is its own marker, nothing of ann's first tab
      service.send(new JsonObject().put("type", "send").put("address", otherAddress).put("body", new JsonObject().put("marker", "other")));
      service.send(new JsonObject().put("type", "send").put("address", bobAddress).put("body", new JsonObject().put("marker", "bob")));
      assertThat(annOtherTab.next(f -> "rec".equals(f.getString("type")), WAIT).getJsonObject("body"))
          .isEqualTo(new JsonObject().put("marker", "other"));
      assertThat(bobTab.next(f -> "rec".equals(f.getString("type")), WAIT).getJsonObject("body"))
          .isEqualTo(new JsonObject().put("marker", "bob"));
    }
  }

  @Test
  void theStatsReportCountsTcpBridgeConnections() throws Exception {
    String secret = key("counted", new JsonObject());
    Await.until("no tcp connection left from other tests", WAIT, () -> BridgeTransportsIT.stats(gw).getInteger("tcpConnections") == 0);
    try (TcpBridgeClient a = new TcpBridgeClient(tcpPort); TcpBridgeClient b = new TcpBridgeClient(tcpPort)) {
      for (TcpBridgeClient c : List.of(a, b)) {
        c.send(new JsonObject().put("type", "register").put("address", "status.server")
            .put("headers", new JsonObject().put("authorization", "Bearer " + secret)));
        c.sync(WAIT);
      }
      JsonObject stats = BridgeTransportsIT.stats(gw);
      assertThat(stats.getInteger("tcpConnections")).isEqualTo(2);
      assertThat(stats.getInteger("bridgeSubscriptions")).isGreaterThanOrEqualTo(2);
    }
    Await.until("tcp connections gone from the report", WAIT, () -> BridgeTransportsIT.stats(gw).getInteger("tcpConnections") == 0);
  }
}
