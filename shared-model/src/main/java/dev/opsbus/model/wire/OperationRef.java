package dev.opsbus.model.wire;

import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.Json;
import dev.opsbus.model.OpsbusException;
import io.vertx.core.json.JsonObject;
import java.util.UUID;

/** The body of {@code ops.get} and {@code ops.cancel}: which operation. */
public record OperationRef(String operationId) {

  public JsonObject toJson() {
    return Json.toJsonObject(this);
  }

  /** Reads strictly: a missing, non-string or malformed id is {@code invalid_request} naming it. */
  public static OperationRef parse(JsonObject json) {
    if (json == null) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "the request needs a JSON object body");
    }
    String id = WireFields.string(json, "operationId");
    if (id == null || id.isBlank()) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "operationId: required");
    }
    return new OperationRef(id);
  }

  /** The id as a UUID; {@code invalid_request} when it is not one. */
  public UUID uuid() {
    try {
      return UUID.fromString(operationId);
    } catch (IllegalArgumentException e) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "operationId: '" + operationId + "' is not an operation id");
    }
  }
}
