package dev.opsbus.operations;

import static dev.opsbus.operations.OpsHarness.ADMIN;
import static dev.opsbus.operations.OpsHarness.OPERATOR;
import static dev.opsbus.operations.OpsHarness.request;
import static dev.opsbus.operations.OpsHarness.result;
import static dev.opsbus.operations.OpsHarness.until;
import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** No SSH relay anywhere: an operation fails at once, saying so with the code every surface uses for it. */
class WithoutRelayTest {

  @Test
  void anOperationWithNoRelayRunningFailsWithNoHandlerAndSaysWhy() {
    TestDatabase.reset();
    Vertx vertx = Vertx.vertx();
    OpsHarness.registerDemoHost(vertx);
    try {
      OpsHarness.deployOperations(vertx, OpsHarness.config("node-a", List.of()));
      String id = result(request(vertx, Addresses.OPS_START, new JsonObject().put("hostId", "demo").put("type", "ssh_test"), OPERATOR))
          .getString("operationId");
      until("failed", Duration.ofSeconds(30), () -> "failed".equals(
          result(request(vertx, Addresses.OPS_GET, new JsonObject().put("operationId", id), ADMIN)).getString("status")));
      JsonObject op = result(request(vertx, Addresses.OPS_GET, new JsonObject().put("operationId", id), ADMIN));
      assertThat(op.getJsonObject("metadata").getString("reason")).isEqualTo(ErrorCode.NO_HANDLER.wireName());
      assertThat(op.getString("error")).contains("SSH relay is not running");
    } finally {
      result(vertx.close());
    }
  }
}
