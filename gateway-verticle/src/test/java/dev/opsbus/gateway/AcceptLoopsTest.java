package dev.opsbus.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.gateway.bridge.BridgeLimits;
import dev.opsbus.model.Addresses;
import dev.opsbus.testkit.Await;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gateway's HTTP port on two event loops ({@code gateway.eventLoops = 2}): connections are spread
 * over both, a broadcast reaches every client of either loop, in order, through the node's one bus
 * consumer; a SockJS session whose polls come in on both loops loses nothing; and the caps count the
 * connections of every loop together.
 */
class AcceptLoopsTest {

  static final Duration WAIT = Duration.ofSeconds(30);
  static final int PER_USER = 64;

  static GatewayHarness gw;
  static String token;

  @BeforeAll
  static void start() {
    TestDatabase.reset();
    gw = GatewayHarness.startOn(Vertx.vertx(new VertxOptions().setEventLoopPoolSize(4)), c -> new GatewayConfig(c.nodeId(), c.version(),
        c.host(), c.port(), c.db(), c.dbPoolSize(), c.rules(), c.allowedOrigins(), c.tokenTtl(), c.secureCookie(), c.initialAdminPassword(),
        new BridgeLimits(c.bridge().maxFrameBytes(), c.bridge().maxAddressLength(), c.bridge().queueBound(), c.bridge().maxSubscriptions(),
            c.bridge().ratePerSecond(), c.bridge().rateBurst(), PER_USER, c.bridge().idleTimeout(), c.bridge().requestTimeout()))
        .withConnections(c.connections().withEventLoops(2)));
    token = gw.user("watcher", List.of("viewer"), List.of());
  }

  @AfterAll
  static void stop() {
    gw.close();
  }

  @Test
  void clientsOnBothLoopsGetEveryMessageInOrderThroughOneConsumer() {
    assertThat(gw.gateway.acceptLoops().count()).as("loops accepting on the port").isEqualTo(2);
    List<BridgeClient> clients = new ArrayList<>();
    try {
      for (int i = 0; i < 40; i++) {
        BridgeClient c = gw.client(i % 4 == 3 ? BridgeClient.Transport.SOCKJS : BridgeClient.Transport.RAW, token);
        c.register(Addresses.METRICS_NODE);
        clients.add(c);
      }
      Await.until("40 subscriptions", WAIT, () -> FanOutTest.stats(gw).getInteger("bridgeSubscriptions") == 40);
      assertThat(gw.gateway.bridge().loopsInUse()).as("the loops the connections live on").isEqualTo(2);
      assertThat(FanOutTest.stats(gw).getInteger("busConsumers")).as("bus consumers for the one address").isEqualTo(1);

      for (int seq = 1; seq <= 50; seq++) {
        gw.vertx.eventBus().publish(Addresses.METRICS_NODE, new JsonObject().put("seq", seq));
      }
      for (BridgeClient c : clients) {
        for (int seq = 1; seq <= 50; seq++) {
          JsonObject rec = c.next(WAIT);
          assertThat(rec.getString("address")).isEqualTo(Addresses.METRICS_NODE);
          assertThat(rec.getJsonObject("body").getInteger("seq")).as("message order on one connection").isEqualTo(seq);
        }
      }
    } finally {
      clients.forEach(BridgeClient::close);
    }
    Await.until("no subscription left", WAIT, () -> FanOutTest.stats(gw).getInteger("bridgeSubscriptions") == 0);
    Await.until("the consumer removed", WAIT, () -> FanOutTest.stats(gw).getInteger("busConsumers") == 0);
    Await.until("every connection counted out", WAIT, () -> gw.gateway.bridge().connectionCount() == 0);
  }

  @Test
  void aPollingSessionWhosePollsComeInOnBothLoopsLosesNothing() {
    // a new TCP connection per request: the port hands them to its loops in turn
    WebClient fresh = WebClient.create(gw.vertx, new WebClientOptions().setDefaultHost("localhost").setDefaultPort(gw.port())
        .setKeepAlive(false));
    String session = "/eventbus/" + (int) (Math.random() * 999) + "/" + UUID.randomUUID().toString().substring(0, 8);
    try {
      assertThat(post(fresh, session + "/xhr", null).bodyAsString()).as("the open frame").startsWith("o");
      JsonArray register = new JsonArray().add(new JsonObject().put("type", "register").put("address", Addresses.METRICS_NODE).encode());
      assertThat(post(fresh, session + "/xhr_send", register.encode()).statusCode()).isEqualTo(204);
      Await.until("the session's subscription", WAIT, () -> FanOutTest.stats(gw).getInteger("bridgeSubscriptions") == 1);
      for (int seq = 1; seq <= 6; seq++) {
        gw.vertx.eventBus().publish(Addresses.METRICS_NODE, new JsonObject().put("seq", seq));
        String frame = post(fresh, session + "/xhr", null).bodyAsString().trim();
        assertThat(frame).as("poll %d", seq).startsWith("a[");
        JsonObject msg = new JsonObject(new JsonArray(frame.substring(1)).getString(0));
        assertThat(msg.getJsonObject("body").getInteger("seq")).as("poll %d answers message %d", seq, seq).isEqualTo(seq);
      }
    } finally {
      fresh.close();
      gw.vertx.runOnContext(v -> gw.gateway.bridge().dropAllConnections("test over"));
    }
    Await.until("the session gone", WAIT, () -> FanOutTest.stats(gw).getInteger("bridgeSubscriptions") == 0);
  }

  @Test
  void thePerUserCapCountsTheConnectionsOfEveryLoop() {
    String capped = gw.user("capped", List.of("viewer"), List.of());
    List<BridgeClient> clients = new ArrayList<>();
    try {
      for (int i = 0; i < PER_USER; i++) {
        BridgeClient c = gw.client(BridgeClient.Transport.RAW, capped);
        c.register(Addresses.METRICS_NODE);
        clients.add(c);
      }
      Await.until(PER_USER + " subscriptions", WAIT, () -> FanOutTest.stats(gw).getInteger("bridgeSubscriptions") == PER_USER);
      assertThat(gw.gateway.bridge().loopsInUse()).isEqualTo(2);
      BridgeClient over = gw.client(BridgeClient.Transport.RAW, capped);
      clients.add(over);
      JsonObject err = over.next(WAIT);
      assertThat(err.getString("type")).isEqualTo("err");
      assertThat(err.getString("failureType")).as("the connection past the user's cap, whichever loop took it").isEqualTo("too_many_connections");
    } finally {
      clients.forEach(BridgeClient::close);
    }
    Await.until("every connection counted out", WAIT, () -> gw.gateway.bridge().connectionCount() == 0);
  }

  private static HttpResponse<Buffer> post(WebClient client, String path, String body) {
    var req = client.post(path).bearerTokenAuthentication(token);
    HttpResponse<Buffer> r = Await.result(body == null ? req.send() : req.putHeader("Content-Type", "text/plain").sendBuffer(Buffer.buffer(body)),
        WAIT);
    assertThat(r.statusCode()).as(path).isBetween(200, 204);
    return r;
  }
}
