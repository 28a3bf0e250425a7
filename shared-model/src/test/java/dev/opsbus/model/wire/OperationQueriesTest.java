package dev.opsbus.model.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The bodies of {@code ops.get}, {@code ops.cancel}, {@code ops.list}, {@code ops.schedules},
 * {@code activity.list} and {@code users.revoked}: what the producer writes the consumer reads back,
 * and a field of the wrong JSON type is {@code invalid_request} naming it.
 */
class OperationQueriesTest {

  private static void refused(Runnable r, String field) {
    assertThatThrownBy(r::run).isInstanceOfSatisfying(OpsbusException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST))
        .hasMessageContaining(field);
  }

  @Test
  void eachRecordRoundTrips() {
    OperationQuery q = OperationQuery.history("demo", "failed", "ssh_test", "2026-11-22T10:00:00Z", 50, 12L);
    assertThat(OperationQuery.parse(q.toJson())).isEqualTo(q);
    OperationRef ref = new OperationRef("7b0c4f0e-6a43-4a54-9a4e-8c1f2b9d1e00");
    assertThat(OperationRef.parse(ref.toJson())).isEqualTo(ref);
    ScheduleRequest create = ScheduleRequest.create("demo", "ssh_test", "*/5 * * * *", Map.of("a", "b"));
    assertThat(ScheduleRequest.parse(create.toJson())).isEqualTo(create);
    assertThat(ScheduleRequest.parse(ScheduleRequest.delete("x").toJson())).isEqualTo(ScheduleRequest.delete("x"));
    assertThat(ScheduleRequest.parse(new JsonObject()).action()).isEqualTo(ScheduleRequest.LIST);
    ActivityQuery a = new ActivityQuery(10, null, 99L, null);
    assertThat(ActivityQuery.parse(a.toJson())).isEqualTo(a);
    UserRevoked r = UserRevoked.bumped("dora", 17);
    assertThat(UserRevoked.fromJson(r.toJson())).isEqualTo(r);
    assertThat(UserRevoked.fromJson(UserRevoked.gone("dora").toJson()).deleted()).isTrue();
  }

  @Test
  void theReplayRequestOfTheBridgeReadsAsAQuery() {
    OperationQuery q = OperationQuery.parse(new JsonObject().put("replay", true).put("address", "ops.updates.host.demo").put("hostId", "demo"));
    assertThat(q.isReplay()).isTrue();
    assertThat(q.hostId()).isEqualTo("demo");
  }

  @Test
  void wrongTypesAndGarbageTimesAreInvalidRequestsNamingTheField() {
    refused(() -> OperationQuery.parse(new JsonObject().put("before", "garbage")), "before");
    refused(() -> OperationQuery.parse(new JsonObject().put("hostId", 42)), "hostId");
    refused(() -> OperationQuery.parse(new JsonObject().put("limit", "ten")), "limit");
    refused(() -> OperationQuery.parse(new JsonObject().put("limit", 1.5)), "limit");
    refused(() -> OperationQuery.parse(new JsonObject().put("sinceSeq", "1")), "sinceSeq");
    refused(() -> OperationQuery.parse(new JsonObject().put("replay", "yes")), "replay");
    refused(() -> OperationRef.parse(new JsonObject().put("operationId", 7)), "operationId");
    refused(() -> OperationRef.parse(new JsonObject()), "operationId");
    refused(() -> new OperationRef("nope").uuid(), "operationId");
    refused(() -> ScheduleRequest.parse(new JsonObject().put("action", 3)), "action");
    refused(() -> ScheduleRequest.parse(new JsonObject().put("action", "drop")), "action");
    refused(() -> ScheduleRequest.parse(new JsonObject().put("action", "create").put("params", new JsonArray())), "params");
    refused(() -> ScheduleRequest.parse(new JsonObject().put("action", "create").put("hostId", true)), "hostId");
    refused(() -> ActivityQuery.parse(new JsonObject().put("since", "yesterday")), "since");
    refused(() -> ActivityQuery.parse(new JsonObject().put("beforeSeq", "9")), "beforeSeq");
    refused(() -> ActivityQuery.parse(new JsonObject().put("limit", 0)), "limit");
  }
}
