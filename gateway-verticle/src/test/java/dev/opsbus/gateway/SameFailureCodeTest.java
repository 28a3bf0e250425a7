package dev.opsbus.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.gateway.bridge.BridgeLimits;
import dev.opsbus.model.Addresses;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.testkit.Await;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The same bus failure reads the same on every surface: a service nobody runs is {@code no_handler}
 * over HTTP and over the bridge, and a service that does not answer in time is {@code timeout} on
 * both. Here the operations service ({@code ops.list}) is not deployed at all.
 */
class SameFailureCodeTest {

  static final Duration WAIT = Duration.ofSeconds(15);
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(1);

  static GatewayHarness gw;
  static String viewer;

  @BeforeAll
  static void start() {
    gw = GatewayHarness.start(c -> new GatewayConfig(c.nodeId(), c.version(), c.host(), c.port(), c.db(), c.dbPoolSize(),
        c.rules(), c.allowedOrigins(), c.tokenTtl(), c.secureCookie(), c.initialAdminPassword(),
        new BridgeLimits(c.bridge().maxFrameBytes(), c.bridge().maxAddressLength(), c.bridge().queueBound(),
            c.bridge().maxSubscriptions(), c.bridge().ratePerSecond(), c.bridge().rateBurst(),
            c.bridge().maxConnectionsPerUser(), c.bridge().idleTimeout(), REQUEST_TIMEOUT)));
    viewer = gw.user("vera", List.of("viewer"), List.of("h1"));
  }

  @AfterAll
  static void stop() {
    gw.close();
  }

  private static HttpResponse<Buffer> listOperationsOverHttp() {
    return Await.result(gw.http.get("/api/operations").bearerTokenAuthentication(viewer).send());
  }

  private static JsonObject listOperationsOverTheBridge(BridgeClient.Transport transport) {
    try (BridgeClient c = gw.client(transport, viewer)) {
      c.send(new JsonObject().put("type", "send").put("address", Addresses.OPS_LIST).put("replyAddress", "r-1")
          .put("body", new JsonObject()));
      return c.nextErr(WAIT.plus(REQUEST_TIMEOUT));
    }
  }

  @Test
  void anHttpCallToAServiceNobodyRunsAnswersNoHandler() {
    HttpResponse<Buffer> r = listOperationsOverHttp();
    assertThat(r.statusCode()).isEqualTo(ErrorCode.NO_HANDLER.httpStatus());
    assertThat(r.bodyAsJsonObject().getString("error")).isEqualTo(ErrorCode.NO_HANDLER.wireName());
    assertThat(r.bodyAsJsonObject().getString("message")).contains("operations service");
  }

  @ParameterizedTest
  @EnumSource(BridgeClient.Transport.class)
  void aBridgeRequestToAServiceNobodyRunsAnswersNoHandler(BridgeClient.Transport transport) {
    JsonObject err = listOperationsOverTheBridge(transport);
    assertThat(err.getString("address")).isEqualTo("r-1");
    assertThat(err.getString("failureType")).isEqualTo(ErrorCode.NO_HANDLER.wireName());
    assertThat(err.getInteger("failureCode")).isEqualTo(ErrorCode.NO_HANDLER.failureCode());
    assertThat(err.getString("message")).contains(Addresses.OPS_LIST);
  }

  @Test
  void anHttpCallToAServiceThatDoesNotAnswerAnswersTimeout() {
    MessageConsumer<JsonObject> silent = gw.vertx.eventBus().consumer(Addresses.OPS_LIST, m -> { });
    Await.result(silent.completion());
    try {
      HttpResponse<Buffer> r = listOperationsOverHttp();
      assertThat(r.statusCode()).isEqualTo(ErrorCode.TIMEOUT.httpStatus());
      assertThat(r.bodyAsJsonObject().getString("error")).isEqualTo(ErrorCode.TIMEOUT.wireName());
    } finally {
      Await.result(silent.unregister());
    }
  }

  @ParameterizedTest
  @EnumSource(BridgeClient.Transport.class)
  void aBridgeRequestToAServiceThatDoesNotAnswerAnswersTimeout(BridgeClient.Transport transport) {
    MessageConsumer<JsonObject> silent = gw.vertx.eventBus().consumer(Addresses.OPS_LIST, m -> { });
    Await.result(silent.completion());
    try {
      JsonObject err = listOperationsOverTheBridge(transport);
      assertThat(err.getString("failureType")).isEqualTo(ErrorCode.TIMEOUT.wireName());
      assertThat(err.getInteger("failureCode")).isEqualTo(ErrorCode.TIMEOUT.failureCode());
    } finally {
      Await.result(silent.unregister());
    }
  }
}
