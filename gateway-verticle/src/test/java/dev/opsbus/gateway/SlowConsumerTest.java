package dev.opsbus.gateway;

import dev.opsbus.testkit.Await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.Addresses;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** A client that stops reading is cut off once its queue bound is reached; the others keep receiving. */
class SlowConsumerTest {

  static final Duration WAIT = Duration.ofSeconds(30);

  @Test
  void clientThatStopsReadingIsDisconnectedWithAReasonWhileOthersKeepReceiving() {
    GatewayHarness gw = GatewayHarness.start(c -> new GatewayConfig(c.nodeId(), c.version(), c.host(), c.port(), c.db(),
        c.dbPoolSize(), c.rules(), c.allowedOrigins(), c.tokenTtl(), c.secureCookie(), c.initialAdminPassword(),
        c.bridge().withQueueBound(64)));
    List<JsonObject> activity = new CopyOnWriteArrayList<>();
    Await.result(gw.vertx.eventBus().<JsonObject>consumer(Addresses.ACTIVITY_EVENTS, m -> activity.add(m.body())).completion());
    try (BridgeClient slow = gw.client(BridgeClient.Transport.RAW, gw.adminToken());
         BridgeClient reader = gw.client(BridgeClient.Transport.RAW, gw.adminToken())) {
      slow.register(Addresses.OPS_UPDATES_ALL);
      reader.register(Addresses.OPS_UPDATES_ALL);
      Await.until("both subscribed", WAIT, () -> FanOutTest.stats(gw).getInteger("bridgeSubscriptions") == 2);
      slow.socket().pause();

      String pad = "p".repeat(8 * 1024);
      int seq = 0;
      // publish in rounds the reader keeps up with, until the server gives up on the slow one
      while (activity.stream().noneMatch(a -> "slow_consumer".equals(a.getString("code")))) {
        assertThat(seq).as("slow consumer never cut off").isLessThan(20_000);
        for (int i = 0; i < 20; i++) {
          gw.vertx.eventBus().publish(Addresses.OPS_UPDATES_ALL, new JsonObject().put("seq", ++seq).put("pad", pad));
        }
        for (int expect = seq - 19; expect <= seq; expect++) {
          assertThat(reader.next(WAIT).getJsonObject("body").getInteger("seq")).isEqualTo(expect);
        }
      }
      // the reader goes on receiving
      gw.vertx.eventBus().publish(Addresses.OPS_UPDATES_ALL, new JsonObject().put("seq", ++seq));
      assertThat(reader.next(WAIT).getJsonObject("body").getInteger("seq")).isEqualTo(seq);
      assertThat(reader.isClosed()).isFalse();

      // when the slow one reads again, it finds the reason, then the close
      slow.socket().resume();
      JsonObject err = slow.nextErr(WAIT);
      assertThat(err.getString("failureType")).isEqualTo("slow_consumer");
      assertThat(err.getString("message")).contains("resume");
      Await.until("slow socket closed", WAIT, slow::isClosed);
      assertThat(slow.closeReason()).isEqualTo("slow_consumer");
    } finally {
      gw.close();
    }
  }
}
