package dev.opsbus.model.wire;

import com.fasterxml.jackson.databind.JsonMappingException;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.Json;
import dev.opsbus.model.OpsbusException;
import io.vertx.core.json.JsonObject;
import java.util.List;
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

  /** Started by a user through the API. */
  public static final String BY_USER = "user";
  /**
   * Keys the gateway gives an HTTP start that came without one: one per HTTP request, so that the
   * start may be asked again on another node. A start found by such a key is the same request asked
   * twice, and answers as the first attempt did ({@code started}).
   */
  public static final String PER_REQUEST_KEY_PREFIX = "request:";

  /** Whether {@code key} is the gateway's own key of one HTTP request. */
  public static boolean isPerRequestKey(String key) {
    return key != null && key.startsWith(PER_REQUEST_KEY_PREFIX);
  }
  /** Started by a schedule. */
  public static final String BY_CRON = "cron";
  /** Started by a service inside the cluster. */
  public static final String BY_AUTO = "auto";
  public static final List<String> CREATORS = List.of(BY_USER, BY_CRON, BY_AUTO);

  public static StartOperation byUser(String hostId, String type, Map<String, Object> params, String idempotencyKey) {
    return new StartOperation(hostId, type, params, null, null, idempotencyKey, null);
  }

  public JsonObject toJson() {
    return Json.toJsonObject(this);
  }

  public static StartOperation fromJson(JsonObject json) {
    return Json.fromJsonObject(json, StartOperation.class);
  }

  /**
   * Reads a request as the operations service must: a missing body, a field of the wrong kind, or
   * no {@code hostId} or {@code type} is {@code invalid_request} with a sentence naming the field.
   */
  public static StartOperation parse(JsonObject json) {
    if (json == null) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "the request needs a JSON object body");
    }
    StartOperation start;
    try {
      start = fromJson(json);
    } catch (IllegalArgumentException e) {
      String field = e.getCause() instanceof JsonMappingException jme && !jme.getPath().isEmpty()
          ? jme.getPath().get(0).getFieldName() : "request";
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, field + ": " + ("params".equals(field) || "metadata".equals(field)
          ? "must be an object" : "has the wrong kind of value"));
    }
    if (start.hostId() == null || start.hostId().isBlank()) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "hostId: required");
    }
    if (start.type() == null || start.type().isBlank()) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "type: required");
    }
    if (start.createdBy() != null && !CREATORS.contains(start.createdBy())) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "createdBy: must be user, cron or auto");
    }
    return start;
  }

  /** The same request with the fields the service settles: who created and asked for it, and the checked parameters. */
  public StartOperation resolved(Map<String, ?> checkedParams, String creator, String requester) {
    return new StartOperation(hostId, type, checkedParams == null ? Map.of() : Map.copyOf(checkedParams), creator, requester,
        idempotencyKey, metadata == null ? Map.of() : metadata);
  }
}
