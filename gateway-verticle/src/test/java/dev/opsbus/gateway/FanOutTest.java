package dev.opsbus.gateway;

import dev.opsbus.gateway.bridge.BridgeLimits;

import dev.opsbus.testkit.Await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.Addresses;
import dev.opsbus.testkit.TestCluster;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Many clients of one address cost the cluster one registration: the node holds one bus consumer
 * for the address whatever the number of its clients, and removes it when the last one leaves.
 */
class FanOutTest {

  static final Duration WAIT = Duration.ofSeconds(30);

  @Test
  void twoHundredClientsShareOneBusConsumerAndEachReceivesEveryMessage() {
    TestDatabase.reset();
    TestCluster.Node node = TestCluster.start(TestCluster.newName());
    GatewayHarness gw = GatewayHarness.startOn(node.vertx(), c -> new GatewayConfig(c.nodeId(), c.version(), c.host(), c.port(), c.db(),
        c.dbPoolSize(), c.rules(), c.allowedOrigins(), c.tokenTtl(), c.secureCookie(), c.initialAdminPassword(),
        new dev.opsbus.gateway.bridge.BridgeLimits(c.bridge().maxFrameBytes(), c.bridge().maxAddressLength(), c.bridge().queueBound(),
            c.bridge().maxSubscriptions(), c.bridge().ratePerSecond(), c.bridge().rateBurst(), 500, c.bridge().idleTimeout(),
            c.bridge().requestTimeout())));
    List<BridgeClient> clients = new ArrayList<>();
    try {
      String token = gw.user("watcher", List.of("viewer"), List.of());
      for (int i = 0; i < 200; i++) {
        BridgeClient c = gw.client(i % 2 == 0 ? BridgeClient.Transport.RAW : BridgeClient.Transport.SOCKJS, token);
        c.register(Addresses.METRICS_NODE);
        clients.add(c);
      }
      Await.until("200 subscriptions", WAIT, () -> stats(gw).getInteger("bridgeSubscriptions") == 200);
      assertThat(stats(gw).getInteger("busConsumers")).isEqualTo(1);
      Await.until("the address registered in the cluster", WAIT, () -> node.registrations(Addresses.METRICS_NODE) == 1);
      assertThat(node.registrations(Addresses.METRICS_NODE)).isEqualTo(1);

      for (int seq = 1; seq <= 20; seq++) {
        gw.vertx.eventBus().publish(Addresses.METRICS_NODE, new JsonObject().put("seq", seq));
      }
      for (BridgeClient c : clients) {
        for (int seq = 1; seq <= 20; seq++) {
          JsonObject rec = c.next(WAIT);
          assertThat(rec.getString("address")).isEqualTo(Addresses.METRICS_NODE);
          assertThat(rec.getJsonObject("body").getInteger("seq")).isEqualTo(seq);
        }
      }

      // half leave: the consumer stays; the last one leaves: it goes, here and in the cluster
      for (int i = 0; i < 199; i++) {
        clients.get(i).close();
      }
      Await.until("one subscription left", WAIT, () -> stats(gw).getInteger("bridgeSubscriptions") == 1);
      assertThat(node.registrations(Addresses.METRICS_NODE)).isEqualTo(1);
      clients.get(199).close();
      Await.until("no subscription left", WAIT, () -> stats(gw).getInteger("bridgeSubscriptions") == 0);
      assertThat(stats(gw).getInteger("busConsumers")).isZero();
      Await.until("the cluster registration removed", WAIT, () -> node.registrations(Addresses.METRICS_NODE) == 0);
    } finally {
      clients.forEach(BridgeClient::close);
      gw.close();
    }
  }

  static JsonObject stats(GatewayHarness gw) {
    return Await.result(gw.vertx.eventBus().<JsonObject>request(Addresses.NODE_GATEWAY_STATS.format(gw.nodeId), null)).body();
  }
}
