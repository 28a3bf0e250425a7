package dev.opsbus.model.wire;

import dev.opsbus.model.Json;
import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;

/**
 * The body of {@code activity.list}: oldest first after {@code sinceSeq}, or from the time
 * {@code since}; otherwise newest first before {@code beforeSeq}; at most {@code limit} entries.
 */
public record ActivityQuery(Integer limit, Long sinceSeq, Long beforeSeq, String since) {

  public JsonObject toJson() {
    return Json.toJsonObject(this);
  }

  /** Reads strictly: a field of the wrong JSON type, or a {@code since} that is not a time, is {@code invalid_request}. */
  public static ActivityQuery parse(JsonObject json) {
    JsonObject b = WireFields.body(json);
    return new ActivityQuery(WireFields.whole(b, "limit", 1, 1000), WireFields.whole(b, "sinceSeq"), WireFields.whole(b, "beforeSeq"),
        WireFields.time(b, "since"));
  }

  public OffsetDateTime sinceTime() {
    return since == null ? null : WireFields.parseTime("since", since);
  }
}
