package dev.opsbus.gateway;

import dev.opsbus.testkit.Await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.Addresses;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A new subscriber of an address with history gets the replay first, then the live messages that
 * came meanwhile, minus those the replay already had: the order is the seq order, each once.
 */
class ReplayTest {

  static final Duration WAIT = Duration.ofSeconds(15);

  @ParameterizedTest
  @EnumSource(BridgeClient.Transport.class)
  void liveMessagesDuringTheReplayWaitAndDuplicatesAreDropped(BridgeClient.Transport transport) {
    try (GatewayHarness gw = GatewayHarness.start()) {
      String viewer = gw.user("vera", List.of("viewer"), List.of("h1"));
      String address = Addresses.OPS_UPDATES_HOST.format("h1");
      CompletableFuture<Message<JsonObject>> asked = new CompletableFuture<>();
      // the history service answers only when the test says so
      MessageConsumer<JsonObject> history = gw.vertx.eventBus().consumer(Addresses.OPS_LIST, asked::complete);
      Await.result(history.completion());
      try (BridgeClient c = gw.client(transport, viewer)) {
        c.send(new JsonObject().put("type", "register").put("address", address).put("headers", new JsonObject().put("sinceSeq", "10")));
        Message<JsonObject> request = asked.orTimeout(15, java.util.concurrent.TimeUnit.SECONDS).join();
        assertThat(request.body().getLong("sinceSeq")).isEqualTo(10L);
        assertThat(request.body().getString("hostId")).isEqualTo("h1");
        assertThat(request.headers().get("opsbus-user")).isEqualTo("vera");
        Await.until("subscribed", WAIT, () -> FanOutTest.stats(gw).getInteger("bridgeSubscriptions") == 1);
        // live messages while the replay is pending: 13 is also in the replay, 14 is not
        gw.vertx.eventBus().publish(address, new JsonObject().put("seq", 13));
        gw.vertx.eventBus().publish(address, new JsonObject().put("seq", 14));
        request.reply(new JsonObject().put("changes", new JsonArray().add(new JsonObject().put("seq", 11))
            .add(new JsonObject().put("seq", 12)).add(new JsonObject().put("seq", 13))));
        gw.vertx.eventBus().publish(address, new JsonObject().put("seq", 15));
        List<Long> seen = new ArrayList<>();
        while (seen.size() < 5) {
          seen.add(c.next(WAIT).getJsonObject("body").getLong("seq"));
        }
        assertThat(seen).containsExactly(11L, 12L, 13L, 14L, 15L);
      } finally {
        Await.result(history.unregister());
      }
    }
  }

  @Test
  void aBadSinceSeqIsRefusedWithAnInvalidFrameError() {
    try (GatewayHarness gw = GatewayHarness.start()) {
      String viewer = gw.user("vera", List.of("viewer"), List.of("h1"));
      try (BridgeClient c = gw.client(BridgeClient.Transport.RAW, viewer)) {
        c.send(new JsonObject().put("type", "register").put("address", Addresses.OPS_UPDATES_HOST.format("h1"))
            .put("headers", new JsonObject().put("sinceSeq", "yesterday")));
        JsonObject err = c.nextErr(WAIT);
        assertThat(err.getString("failureType")).isEqualTo("invalid_frame");
        assertThat(err.getString("message")).contains("sinceSeq");
      }
    }
  }
}
