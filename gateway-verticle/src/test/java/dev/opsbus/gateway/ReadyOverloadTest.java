package dev.opsbus.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.testkit.Await;
import io.vertx.core.Context;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 16, point 9: {@code /ready} says when a working node should take no new clients. With
 * {@code bridge.maxConnections} 2, two real connections fill the node: the third is refused
 * {@code node_full} (err frame and close reason), counted by code, and {@code /ready} answers 503
 * {@code node_full} until one closes. An event loop kept busy past
 * {@code gateway.readyMaxEventLoopLagMs} makes it answer 503 {@code event_loop_lag} until it passes.
 */
class ReadyOverloadTest {

  static final Duration WAIT = Duration.ofSeconds(10);

  static GatewayHarness gw;
  static String viewer;

  @BeforeAll
  static void start() {
    gw = GatewayHarness.start(c -> c.withBridge(c.bridge().withMaxConnections(2))
        .withConnections(c.connections().withReadyMaxEventLoopLag(Duration.ofMillis(250))));
    viewer = gw.user("fred", List.of("viewer"), List.of());
  }

  @AfterAll
  static void stop() {
    gw.close();
  }

  static HttpResponse<Buffer> ready() {
    return Await.result(gw.http.get("/ready").send());
  }

  static String reason() {
    HttpResponse<Buffer> r = ready();
    return r.statusCode() == 200 ? "ready" : r.bodyAsJsonObject().getString("reason");
  }

  @Test
  void aFullNodeRefusesTheNextConnectionNodeFullAndIsNotReady() {
    Await.until("ready before", WAIT, () -> "ready".equals(reason()));
    try (BridgeClient one = gw.client(BridgeClient.Transport.RAW, viewer);
         BridgeClient two = gw.client(BridgeClient.Transport.SOCKJS, viewer)) {
      Await.until("two connections", WAIT, () -> gw.gateway.bridge().connectionCount() == 2);
      assertThat(one.isClosed()).isFalse();
      assertThat(two.isClosed()).isFalse();

      HttpResponse<Buffer> full = ready();
      assertThat(full.statusCode()).isEqualTo(503);
      JsonObject answer = full.bodyAsJsonObject();
      assertThat(answer.getString("status")).isEqualTo("not_ready");
      assertThat(answer.getString("reason")).isEqualTo("node_full");
      assertThat(answer.getInteger("bridgeConnections")).isEqualTo(2);
      assertThat(answer.getInteger("maxConnections")).isEqualTo(2);

      try (BridgeClient third = gw.client(BridgeClient.Transport.RAW, viewer)) {
        JsonObject err = third.nextErr(WAIT);
        assertThat(err.getString("failureType")).isEqualTo("node_full");
        Await.until("the third is closed", WAIT, third::isClosed);
        assertThat(third.closeReason()).isEqualTo("node_full");
        assertThat(third.closeStatus()).isEqualTo((short) 1013);
      }
      assertThat(one.isClosed()).as("the first two stay").isFalse();
      String metrics = Await.result(gw.http.get("/metrics").send()).bodyAsString();
      assertThat(metrics).containsPattern("opsbus_bridge_refusals_total\\{code=\"node_full\"[^}]*} 1\\.0");
    }
    Await.until("ready once they close", WAIT, () -> "ready".equals(reason()));
  }

  @Test
  void anEventLoopThatLagsMakesTheNodeNotReadyUntilItPasses() throws Exception {
    Await.until("ready before", WAIT, () -> "ready".equals(reason()));
    // keep the gateway's own event loop busy for longer than the threshold, as heavy work on it would
    Field f = VerticleBase.class.getDeclaredField("context");
    f.setAccessible(true);
    Context gateway = (Context) f.get(gw.gateway);
    gateway.runOnContext(v -> {
      long until = System.nanoTime() + Duration.ofMillis(600).toNanos();
      while (System.nanoTime() < until) {
        Thread.onSpinWait();
      }
    });
    Await.until("not ready: event_loop_lag", WAIT, () -> "event_loop_lag".equals(reason()));
    JsonObject answer = ready().bodyAsJsonObject();
    if ("event_loop_lag".equals(answer.getString("reason"))) {
      assertThat(answer.getLong("eventLoopLagMs")).isGreaterThan(250);
      assertThat(answer.getLong("maxEventLoopLagMs")).isEqualTo(250);
    }
    Await.until("ready once the loop is free", WAIT, () -> "ready".equals(reason()));
  }
}
