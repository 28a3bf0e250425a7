package dev.opsbus.model.wire;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code ops.start} bodies as callers build them by hand, read the way the operations service reads them. */
class StartOperationTest {

  @Test
  void aHandBuiltBodyWithNestedObjectsReadsAsItsFields() {
    JsonObject body = new JsonObject().put("hostId", "demo").put("type", "service_restart")
        .put("params", new JsonObject().put("service", "nginx").put("ports", new JsonArray().add(80)))
        .put("idempotencyKey", "k-1").put("metadata", new JsonObject().put("scheduleId", "s-1"));
    StartOperation start = StartOperation.parse(body);
    assertThat(start.params()).isEqualTo(Map.of("service", "nginx", "ports", List.of(80)));
    assertThat(start.metadata()).isEqualTo(Map.of("scheduleId", "s-1"));
    assertThat(start.idempotencyKey()).isEqualTo("k-1");
    assertThat(StartOperation.fromJson(start.toJson())).isEqualTo(start);
  }

  @Test
  void aBadBodyIsRefusedNamingTheField() {
    assertThat(refusal(null)).isEqualTo("the request needs a JSON object body");
    assertThat(refusal(new JsonObject().put("type", "ssh_test"))).isEqualTo("hostId: required");
    assertThat(refusal(new JsonObject().put("hostId", " ").put("type", "ssh_test"))).isEqualTo("hostId: required");
    assertThat(refusal(new JsonObject().put("hostId", "demo"))).isEqualTo("type: required");
    assertThat(refusal(new JsonObject().put("hostId", "demo").put("type", "ssh_test").put("params", "x"))).isEqualTo("params: must be an object");
    assertThat(refusal(new JsonObject().put("hostId", new JsonObject()).put("type", "ssh_test"))).startsWith("hostId:");
    assertThat(refusal(new JsonObject().put("hostId", "demo").put("type", "ssh_test").put("createdBy", "someone")))
        .startsWith("createdBy:");
  }

  @Test
  void resolvingKeepsTheKeyAndMetadataAndSettlesWhoAsked() {
    StartOperation asked = StartOperation.byUser("demo", "ssh_test", null, "k-2");
    StartOperation resolved = asked.resolved(Map.of("a", "1"), StartOperation.BY_USER, "otto");
    assertThat(resolved).isEqualTo(new StartOperation("demo", "ssh_test", Map.of("a", "1"), "user", "otto", "k-2", Map.of()));
  }

  private static String refusal(JsonObject body) {
    try {
      StartOperation.parse(body);
    } catch (OpsbusException e) {
      assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
      return e.getMessage();
    }
    throw new AssertionError("accepted: " + body);
  }
}
