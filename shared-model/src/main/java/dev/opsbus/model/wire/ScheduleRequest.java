package dev.opsbus.model.wire;

import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.Json;
import dev.opsbus.model.OpsbusException;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * The body of {@code ops.schedules}: {@code list} (the default), {@code create} a schedule of an
 * operation type on a host with a cron expression and parameters, {@code pause} or {@code resume} one
 * by id (a resumed schedule skips what it missed), or {@code delete} one by id.
 */
public record ScheduleRequest(String action, String id, String hostId, String type, String cron, Map<String, Object> params) {

  public static final String LIST = "list";
  public static final String CREATE = "create";
  public static final String DELETE = "delete";
  public static final String PAUSE = "pause";
  public static final String RESUME = "resume";
  public static final List<String> ACTIONS = List.of(LIST, CREATE, DELETE, PAUSE, RESUME);

  public static ScheduleRequest list() {
    return new ScheduleRequest(LIST, null, null, null, null, null);
  }

  public static ScheduleRequest create(String hostId, String type, String cron, Map<String, Object> params) {
    return new ScheduleRequest(CREATE, null, hostId, type, cron, params);
  }

  public static ScheduleRequest delete(String id) {
    return new ScheduleRequest(DELETE, id, null, null, null, null);
  }

  public static ScheduleRequest pause(String id) {
    return new ScheduleRequest(PAUSE, id, null, null, null, null);
  }

  public static ScheduleRequest resume(String id) {
    return new ScheduleRequest(RESUME, id, null, null, null, null);
  }

  public JsonObject toJson() {
    return Json.toJsonObject(this);
  }

  /** Reads strictly: an unknown action or a field of the wrong JSON type is {@code invalid_request} naming it. */
  public static ScheduleRequest parse(JsonObject json) {
    JsonObject b = WireFields.body(json);
    String action = WireFields.string(b, "action");
    if (action == null) {
      action = LIST;
    }
    if (!ACTIONS.contains(action)) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "action: create, list, pause, resume or delete");
    }
    JsonObject params = WireFields.object(b, "params");
    return new ScheduleRequest(action, WireFields.string(b, "id"), WireFields.string(b, "hostId"), WireFields.string(b, "type"),
        WireFields.string(b, "cron"), params == null ? null : params.getMap());
  }

  /** The parameters as a JSON object (empty when none). */
  public JsonObject paramsJson() {
    return params == null ? new JsonObject() : new JsonObject(new java.util.LinkedHashMap<>(params));
  }
}
