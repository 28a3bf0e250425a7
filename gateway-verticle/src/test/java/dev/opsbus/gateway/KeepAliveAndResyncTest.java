package dev.opsbus.gateway;

import dev.opsbus.gateway.bridge.BridgeLimits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.testkit.Await;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Two protocol details a client relies on: WebSocket pings keep a connection alive as frames do, and
 * a second register of an address the connection holds, with {@code headers.sinceSeq}, replays
 * what the client missed without leaving the address.
 */
class KeepAliveAndResyncTest {

  static final Duration WAIT = Duration.ofSeconds(15);

  static GatewayHarness gw;
  static String viewer;

  @BeforeAll
  static void start() {
    gw = GatewayHarness.start(c -> {
      BridgeLimits b = c.bridge();
      return new GatewayConfig(c.nodeId(), c.version(), c.host(), c.port(), c.db(), c.dbPoolSize(), c.rules(), c.allowedOrigins(),
          c.tokenTtl(), c.secureCookie(), c.initialAdminPassword(), new BridgeLimits(b.maxFrameBytes(), b.maxAddressLength(),
          b.queueBound(), b.maxSubscriptions(), b.ratePerSecond(), b.rateBurst(), b.maxConnectionsPerUser(), Duration.ofSeconds(2),
          b.requestTimeout()));
    });
    viewer = gw.user("vic", List.of("viewer"), List.of("h1"));
  }

  @AfterAll
  static void stop() {
    gw.close();
  }

  @ParameterizedTest
  @EnumSource(BridgeClient.Transport.class)
  void clientThatOnlyPingsOutlivesTheIdleTimeoutThatCutsASilentOne(BridgeClient.Transport transport) {
    try (BridgeClient pinging = gw.client(transport, viewer)) {
      long timer = gw.vertx.setPeriodic(300, id -> pinging.socket().writePing(Buffer.buffer("alive")));
      try (BridgeClient silent = gw.client(transport, viewer)) {
        // the silent one was opened later, so it has been quiet for less time than the pinging one
        JsonObject err = silent.nextErr(WAIT);
        assertThat(err.getString("failureType")).isEqualTo(ErrorCode.TIMEOUT.wireName());
        Await.until("silent client closed", WAIT, silent::isClosed);
        assertThat(pinging.isClosed()).as("the pinging client is still open").isFalse();
        assertThat(pinging.drain()).noneMatch(f -> "err".equals(f.getString("type")));
      } finally {
        gw.vertx.cancelTimer(timer);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(BridgeClient.Transport.class)
  void registerAgainWithSinceSeqReplaysOnTheSameConnection(BridgeClient.Transport transport) {
    String address = Addresses.OPS_UPDATES_HOST.format("h1");
    AtomicInteger asked = new AtomicInteger();
    // a history of seq 1..5: a replay returns what follows sinceSeq
    MessageConsumer<JsonObject> history = gw.vertx.eventBus().consumer(Addresses.OPS_LIST, m -> {
      asked.incrementAndGet();
      long since = m.body().getLong("sinceSeq", 0L);
      JsonArray changes = new JsonArray();
      for (long seq = since + 1; seq <= 5; seq++) {
        changes.add(new JsonObject().put("seq", seq));
      }
      m.reply(new JsonObject().put("changes", changes));
    });
    Await.result(history.completion());
    try (BridgeClient c = gw.client(transport, viewer)) {
      c.send(register(address, 3));
      assertThat(seqs(c, 2)).containsExactly(4L, 5L);
      // the client noticed a gap after 1: it asks again on the same connection
      c.send(register(address, 1));
      assertThat(seqs(c, 4)).containsExactly(2L, 3L, 4L, 5L);
      assertThat(asked.get()).isEqualTo(2);
      // still one subscription, and live messages flow
      assertThat(FanOutTest.stats(gw).getInteger("bridgeSubscriptions")).isEqualTo(1);
      gw.vertx.eventBus().publish(address, new JsonObject().put("seq", 6));
      assertThat(seqs(c, 1)).containsExactly(6L);
      // a register without sinceSeq stays a no-op
      c.send(new JsonObject().put("type", "register").put("address", address));
      gw.vertx.eventBus().publish(address, new JsonObject().put("seq", 7));
      assertThat(seqs(c, 1)).containsExactly(7L);
      assertThat(asked.get()).isEqualTo(2);
    } finally {
      Await.result(history.unregister());
    }
  }

  static JsonObject register(String address, long sinceSeq) {
    return new JsonObject().put("type", "register").put("address", address)
        .put("headers", new JsonObject().put("sinceSeq", sinceSeq));
  }

  static List<Long> seqs(BridgeClient c, int n) {
    List<Long> out = new ArrayList<>();
    while (out.size() < n) {
      out.add(c.next(WAIT).getJsonObject("body").getLong("seq"));
    }
    return out;
  }
}
