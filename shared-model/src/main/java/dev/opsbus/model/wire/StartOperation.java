package dev.opsbus.model.wire;

import dev.opsbus.model.Json;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * The body of {@code ops.start}: start an operation of {@code type} on a host, or get the one
 * already running.
 *
 * @param params the type's parameters as the caller gave them (validated by the operations service)
 * @param createdBy {@code user}, {@code cron} or {@code auto}; users always start as {@code user}
 * @param requestedBy who asked, for starts from inside the cluster (a user's name comes from the identity headers)
 * @param idempotencyKey a repeated request with the same key gets the same operation
 */
public record StartOperation(String hostId, String type, Map<String, Object> params, String createdBy,
    String requestedBy, String idempotencyKey, Map<String, Object> metadata) {

  public static StartOperation byUser(String hostId, String type, Map<String, Object> params, String idempotencyKey) {
    return new StartOperation(hostId, type, params, null, null, idempotencyKey, null);
  }

  public JsonObject toJson() {
    return Json.toJsonObject(this);
  }

  public static StartOperation fromJson(JsonObject json) {
    return Json.fromJsonObject(json, StartOperation.class);
  }
}
