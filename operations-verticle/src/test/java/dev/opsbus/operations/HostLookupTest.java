package dev.opsbus.operations;

import static dev.opsbus.operations.OpsHarness.ADMIN;
import static dev.opsbus.operations.OpsHarness.failureCode;
import static dev.opsbus.operations.OpsHarness.failureMessage;
import static dev.opsbus.operations.OpsHarness.request;
import static dev.opsbus.operations.OpsHarness.result;
import static dev.opsbus.operations.OpsHarness.until;
import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.gateway.hosts.HostStore;
import dev.opsbus.model.Addresses;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.Json;
import dev.opsbus.model.hosts.HostChange;
import dev.opsbus.testkit.TestDatabase;
import dev.opsbus.testkit.TestSecrets;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Operations never read the hosts table: whether a host exists is asked of its owner (the
 * gateway's host service) over the bus, and the answer is taken as given, both ways. Without an
 * owner the refusal says so instead of claiming the host does not exist.
 */
class HostLookupTest {

  Vertx vertx;

  @BeforeEach
  void start() {
    TestDatabase.reset();
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() {
    result(vertx.close());
  }

  private static JsonObject sshTest(String hostId) {
    return new JsonObject().put("hostId", hostId).put("type", "ssh_test");
  }

  private static JsonObject schedule(String hostId) {
    return new JsonObject().put("action", "create").put("hostId", hostId).put("type", "ssh_test").put("cron", "0 0 3 * * *");
  }

  private static long operationRows() throws Exception {
    try (Connection c = TestDatabase.start().getPostgresDatabase().getConnection();
        ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM operations")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void aHostTheOwnerKnowsStartsAndOneItDoesNotKnowIsNotFound() throws Exception {
    OpsHarness.deployOperations(vertx, OpsHarness.config("node-a", List.of()));

    assertThat(failureCode(request(vertx, Addresses.OPS_START, sshTest("demo"), ADMIN))).isEqualTo(ErrorCode.NOT_FOUND.failureCode());
    assertThat(failureMessage(request(vertx, Addresses.OPS_START, sshTest("demo"), ADMIN))).contains("no host 'demo'");
    assertThat(failureCode(request(vertx, Addresses.OPS_SCHEDULES, schedule("demo"), ADMIN))).isEqualTo(ErrorCode.NOT_FOUND.failureCode());
    assertThat(operationRows()).isZero();

    // registered with the owner after operations started: nothing cached, the next start sees it
    OpsHarness.registerDemoHost(vertx);
    JsonObject started = result(request(vertx, Addresses.OPS_START, sshTest("demo"), ADMIN));
    assertThat(started.getString("status")).isEqualTo("started");
    assertThat(started.getJsonObject("operation").getString("hostId")).isEqualTo("demo");
    assertThat(result(request(vertx, Addresses.OPS_SCHEDULES, schedule("demo"), ADMIN)).getString("hostId")).isEqualTo("demo");
    assertThat(operationRows()).isEqualTo(1);
  }

  @Test
  void withoutAnOwnerAStartIsNoHandlerNotNotFound() throws Exception {
    OpsHarness.registerDemoHost(vertx);
    // operations alone, no gateway anywhere: nobody serves hosts.get
    result(vertx.deployVerticle(new OperationsVerticle(OpsHarness.config("node-a", List.of()))));

    assertThat(failureCode(request(vertx, Addresses.OPS_START, sshTest("demo"), ADMIN))).isEqualTo(ErrorCode.NO_HANDLER.failureCode());
    assertThat(failureMessage(request(vertx, Addresses.OPS_START, sshTest("demo"), ADMIN))).contains("the gateway (owner of the hosts").contains("is not running on any node");
    assertThat(failureCode(request(vertx, Addresses.OPS_SCHEDULES, schedule("demo"), ADMIN))).isEqualTo(ErrorCode.NO_HANDLER.failureCode());
    assertThat(operationRows()).isZero();
  }

  @Test
  void aHostDeletedThroughTheApiIsNotFoundAtOnceThoughItsYesWasRemembered() throws Exception {
    OpsHarness.registerDemoHost(vertx);
    OpsHarness.deployOperations(vertx, OpsHarness.config("node-a", List.of()));
    assertThat(result(request(vertx, Addresses.OPS_START, sshTest("demo"), ADMIN)).getString("status")).isEqualTo("started");
    // deleted as the gateway's API deletes a host: the row, then hosts.changed to every node
    HostStore store = result(HostStore.open(vertx, TestDatabase.connectOptions(), TestSecrets.cipher()));
    try {
      result(store.delete("demo"));
    } finally {
      result(store.close());
    }
    vertx.eventBus().publish(Addresses.HOSTS_CHANGED, Json.toJsonObject(HostChange.of("demo", "host_deleted")));
    until("the deleted host is not found", Duration.ofSeconds(10), () -> {
      JsonObject asked = sshTest("demo");
      return request(vertx, Addresses.OPS_START, asked, ADMIN).map(started -> false)
          .recover(err -> io.vertx.core.Future.succeededFuture(err.getMessage().contains("no host 'demo'")))
          .toCompletionStage().toCompletableFuture().join();
    });
    assertThat(operationRows()).as("no start after the first").isEqualTo(1);
  }
}
