package dev.opsbus.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.BusIdentity;
import dev.opsbus.model.wire.StartOperation;
import dev.opsbus.testkit.Await;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /api/hosts/{hostId}/operations} asks {@code ops.start} with a {@link StartOperation}:
 * the service reads back the host, type, parameters (nested ones too) and the caller's own
 * idempotency key, and who asked travels in the identity headers, never in the body.
 */
class OperationStartTest {

  @Test
  void anHttpStartReachesTheOperationsServiceAsAStartOperation() {
    try (GatewayHarness gw = GatewayHarness.start()) {
      String token = gw.user("olga", List.of("operator"), List.of("h1"));
      CompletableFuture<Message<JsonObject>> asked = new CompletableFuture<>();
      MessageConsumer<JsonObject> service = gw.vertx.eventBus().consumer(Addresses.OPS_START, m -> {
        asked.complete(m);
        m.reply(new JsonObject().put("result", "started"));
      });
      Await.result(service.completion());
      JsonObject params = new JsonObject().put("service", "nginx").put("opts", new JsonObject().put("force", true))
          .put("list", new JsonArray().add(1).add(2));
      HttpResponse<Buffer> r = Await.result(gw.http.post("/api/hosts/h1/operations").bearerTokenAuthentication(token)
          .putHeader("Idempotency-Key", "k1")
          .sendJsonObject(new JsonObject().put("type", "service_restart").put("params", params)));
      assertThat(r.statusCode()).isEqualTo(202);
      assertThat(r.bodyAsJsonObject().getString("result")).isEqualTo("started");

      Message<JsonObject> m = asked.orTimeout(10, TimeUnit.SECONDS).join();
      StartOperation start = StartOperation.fromJson(m.body());
      assertThat(start.hostId()).isEqualTo("h1");
      assertThat(start.type()).isEqualTo("service_restart");
      assertThat(new JsonObject(start.params())).isEqualTo(params);
      assertThat(start.idempotencyKey()).as("as given: the operations service scopes it by the identity headers").isEqualTo("k1");
      assertThat(start.createdBy()).isNull();
      assertThat(start.requestedBy()).isNull();
      assertThat(m.headers().get(BusIdentity.USER)).isEqualTo("olga");
      Await.result(service.unregister());
    }
  }

  @Test
  void noParametersTravelAsAnEmptyObjectAndNoKeyBecomesAKeyOfTheRequest() {
    try (GatewayHarness gw = GatewayHarness.start()) {
      String token = gw.user("olga", List.of("operator"), List.of("h1"));
      CompletableFuture<JsonObject> asked = new CompletableFuture<>();
      MessageConsumer<JsonObject> service = gw.vertx.eventBus().consumer(Addresses.OPS_START, m -> {
        asked.complete(m.body());
        m.reply(new JsonObject());
      });
      Await.result(service.completion());
      Await.result(gw.http.post("/api/hosts/h1/operations").bearerTokenAuthentication(token)
          .sendJsonObject(new JsonObject().put("type", "ssh_test")));
      JsonObject body = asked.orTimeout(10, TimeUnit.SECONDS).join();
      assertThat(body.getJsonObject("params")).isEqualTo(new JsonObject());
      // without a key of the client's, the start gets one of its own request, so a retry on another node cannot start
      // twice; the operations service scopes it to the caller (her identity travels in the headers)
      assertThat(body.getString("idempotencyKey")).startsWith("request:");
      assertThat(StartOperation.fromJson(body).params()).isEqualTo(Map.of());
    }
  }
}
