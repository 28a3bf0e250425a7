package dev.opsbus.model.wire;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * What a replay service ({@code ops.list}, {@code presence.list}, {@code metrics.host.last}: the
 * {@code replay} of a permission rule) answers the bridge for a new subscriber: the changes to send
 * first, oldest first, as the bodies live messages on the address have, and the last {@code seq}
 * the service knows when it keeps one.
 */
public record ReplayAnswer(JsonArray changes, Long lastSeq) {

  static final String CHANGES = "changes";
  static final String LAST_SEQ = "lastSeq";

  public static ReplayAnswer of(List<?> changes, Long lastSeq) {
    return new ReplayAnswer(new JsonArray(new java.util.ArrayList<>(changes)), lastSeq);
  }

  public static ReplayAnswer of(JsonObject... changes) {
    return of(List.of(changes), null);
  }

  public JsonObject toJson() {
    JsonObject o = new JsonObject().put(CHANGES, changes == null ? new JsonArray() : changes);
    if (lastSeq != null) {
      o.put(LAST_SEQ, lastSeq);
    }
    return o;
  }

  /** Reads an answer; one without {@code changes} has none. */
  public static ReplayAnswer fromJson(JsonObject json) {
    Object changes = json.getValue(CHANGES);
    Object last = json.getValue(LAST_SEQ);
    return new ReplayAnswer(changes instanceof JsonArray a ? a : new JsonArray(), last instanceof Number n ? n.longValue() : null);
  }
}
