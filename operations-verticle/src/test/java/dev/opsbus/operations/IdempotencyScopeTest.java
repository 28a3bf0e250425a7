package dev.opsbus.operations;

import static dev.opsbus.operations.OpsHarness.ADMIN;
import static dev.opsbus.operations.OpsHarness.OPERATOR;
import static dev.opsbus.operations.OpsHarness.failureCode;
import static dev.opsbus.operations.OpsHarness.request;
import static dev.opsbus.operations.OpsHarness.result;
import static dev.opsbus.operations.OpsHarness.until;
import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.wire.StartOperation;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 11 point 2, attacked as it broke: an operator granted one host sent the admin's
 * idempotency key and got the admin's operation, claimed a key first so the admin's start answered
 * {@code already_running} with his and nothing ran, and claimed a schedule's key so it never fired.
 * A key is now the caller's own, per host and type (see {@link IdempotencyScope}).
 */
class IdempotencyScopeTest {

  static final Duration WAIT = Duration.ofSeconds(40);

  Vertx vertx;

  @BeforeEach
  void start() {
    TestDatabase.reset();
    vertx = Vertx.vertx();
    OpsHarness.registerDemoHost(vertx);
    OpsHarness.deployRelay(vertx, "node-a");
    OpsHarness.deployOperations(vertx, OpsHarness.config("node-a", List.of()));
  }

  @AfterEach
  void stop() {
    result(vertx.close());
  }

  private JsonObject startSshTest(String key, dev.opsbus.model.Principal as) {
    return result(request(vertx, Addresses.OPS_START, new JsonObject().put("hostId", "demo").put("type", "ssh_test").put("idempotencyKey", key), as));
  }

  private void awaitFinished(String id) {
    until("operation " + id + " finished", WAIT, () -> {
      JsonObject op = result(request(vertx, Addresses.OPS_GET, new JsonObject().put("operationId", id), ADMIN));
      return !List.of("pending", "in_progress").contains(op.getString("status"));
    });
  }

  @Test
  void aKeyClaimedByAnotherUserNeitherReturnsNorBlocksTheirOperation() {
    // the operator claims the key the admin will use, and the admin's scoped form of it over HTTP
    JsonObject claimed = startSshTest("deploy-X", OPERATOR);
    assertThat(claimed.getString("status")).isEqualTo("started");
    assertThat(claimed.getJsonObject("operation").getString("requestedBy")).isEqualTo("otto");
    awaitFinished(claimed.getString("operationId"));
    JsonObject prefixed = startSshTest("alice:deploy-X", OPERATOR);
    assertThat(prefixed.getJsonObject("operation").getString("requestedBy")).as("his own operation, never the admin's").isEqualTo("otto");
    awaitFinished(prefixed.getString("operationId"));

    JsonObject admins = startSshTest("deploy-X", ADMIN);
    assertThat(admins.getString("status")).as("the admin's start runs").isEqualTo("started");
    assertThat(admins.getString("operationId")).isNotIn(claimed.getString("operationId"), prefixed.getString("operationId"));
    assertThat(admins.getJsonObject("operation").getString("requestedBy")).isEqualTo("alice");
    awaitFinished(admins.getString("operationId"));

    // the same caller repeating its key gets its own operation back, and the other user's stays theirs
    assertThat(startSshTest("deploy-X", ADMIN).getString("operationId")).isEqualTo(admins.getString("operationId"));
    assertThat(startSshTest("deploy-X", OPERATOR).getString("operationId")).isEqualTo(claimed.getString("operationId"));
  }

  @Test
  void aKeyIsScopedToHostAndTypeToo() {
    JsonObject first = startSshTest("k-1", ADMIN);
    awaitFinished(first.getString("operationId"));
    JsonObject otherType = result(request(vertx, Addresses.OPS_START, new JsonObject().put("hostId", "demo").put("type", "certificate_renewal")
        .put("params", new JsonObject().put("domain", "example.org")).put("idempotencyKey", "k-1"), ADMIN));
    assertThat(otherType.getString("operationId")).isNotEqualTo(first.getString("operationId"));
    assertThat(otherType.getJsonObject("operation").getString("operationType")).isEqualTo("certificate_renewal");
  }

  @Test
  void aUserCannotClaimAScheduleKey() {
    String scheduleKey = "schedule:7b0c4f0e-6a43-4a54-9a4e-8c1f2b9d1e00:2026-12-02T06:00:00Z";
    JsonObject users = startSshTest(scheduleKey, OPERATOR);
    assertThat(users.getJsonObject("operation").getString("createdBy")).isEqualTo("user");
    awaitFinished(users.getString("operationId"));

    // what the scheduler sends for that occurrence, from inside the cluster (no identity)
    StartOperation fired = new StartOperation("demo", "ssh_test", Map.of(), StartOperation.BY_CRON, "schedule 7b0c4f0e",
        scheduleKey, Map.of("scheduleId", "7b0c4f0e-6a43-4a54-9a4e-8c1f2b9d1e00"));
    JsonObject cron = result(request(vertx, Addresses.OPS_START, fired.toJson(), null));
    assertThat(cron.getString("status")).as("the occurrence runs").isEqualTo("started");
    assertThat(cron.getString("operationId")).isNotEqualTo(users.getString("operationId"));
    assertThat(cron.getJsonObject("operation").getString("createdBy")).isEqualTo("cron");
    awaitFinished(cron.getString("operationId"));
    // the occurrence itself still starts once
    assertThat(result(request(vertx, Addresses.OPS_START, fired.toJson(), null)).getString("operationId")).isEqualTo(cron.getString("operationId"));
  }

  @Test
  void aUserCannotPassAsTheSchedulerAndABadKeyIsRefused() {
    JsonObject asCron = new JsonObject().put("hostId", "demo").put("type", "ssh_test").put("createdBy", "cron").put("idempotencyKey", "k");
    assertThat(failureCode(request(vertx, Addresses.OPS_START, asCron, OPERATOR))).isEqualTo(ErrorCode.INVALID_REQUEST.failureCode());
    JsonObject tooLong = new JsonObject().put("hostId", "demo").put("type", "ssh_test").put("idempotencyKey", "k".repeat(201));
    assertThat(failureCode(request(vertx, Addresses.OPS_START, tooLong, OPERATOR))).isEqualTo(ErrorCode.INVALID_REQUEST.failureCode());
  }
}
