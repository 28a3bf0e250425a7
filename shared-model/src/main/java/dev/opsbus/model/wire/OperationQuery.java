package dev.opsbus.model.wire;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.opsbus.model.Json;
import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;

/**
 * The body of {@code ops.list}: with {@code sinceSeq}, every change after it (a resuming client);
 * with {@code replay} (a new bridge subscriber, see the bridge's replay), the current state;
 * otherwise the history, newest first, filtered and paged by {@code before} (a createdAt cursor,
 * ISO-8601 with an offset) and {@code limit}.
 */
public record OperationQuery(String hostId, String status, String type, String before, Integer limit, Long sinceSeq, Boolean replay) {

  public static OperationQuery history(String hostId, String status, String type, String before, Integer limit, Long sinceSeq) {
    return new OperationQuery(hostId, status, type, before, limit, sinceSeq, null);
  }

  public JsonObject toJson() {
    return Json.toJsonObject(this);
  }

  /** Reads strictly: a field of the wrong JSON type, or a {@code before} that is not a time, is {@code invalid_request}. */
  public static OperationQuery parse(JsonObject json) {
    JsonObject b = WireFields.body(json);
    return new OperationQuery(WireFields.string(b, "hostId"), WireFields.string(b, "status"), WireFields.string(b, "type"),
        WireFields.time(b, "before"), WireFields.whole(b, "limit", 1, 1000), WireFields.whole(b, "sinceSeq"), WireFields.flag(b, "replay"));
  }

  @JsonIgnore
  public boolean isReplay() {
    return Boolean.TRUE.equals(replay);
  }

  public OffsetDateTime beforeTime() {
    return before == null ? null : WireFields.parseTime("before", before);
  }
}
