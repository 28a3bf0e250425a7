package dev.opsbus.model.wire;

import dev.opsbus.model.Json;
import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;

/**
 * The body of {@code activity.list}: oldest first after {@code sinceSeq}, or from the time
 * {@code since}; otherwise newest first before {@code beforeSeq}; at most {@code limit} entries.
 * The filters narrow any of these reads: who ({@code user}), what kind ({@code action}), which host
 * ({@code hostId}), and the time window ({@code from}, {@code until}).
 */
public record ActivityQuery(Integer limit, Long sinceSeq, Long beforeSeq, String since, String user, String action, String hostId,
    String from, String until) {

  /** Without filters. */
  public ActivityQuery(Integer limit, Long sinceSeq, Long beforeSeq, String since) {
    this(limit, sinceSeq, beforeSeq, since, null, null, null, null, null);
  }

  /** This query narrowed by the filters (each null: not filtered). */
  public ActivityQuery filtered(String user, String action, String hostId, String from, String until) {
    return new ActivityQuery(limit, sinceSeq, beforeSeq, since, user, action, hostId, from, until);
  }

  public JsonObject toJson() {
    return Json.toJsonObject(this);
  }

  /** Reads strictly: a field of the wrong JSON type, or a {@code since} that is not a time, is {@code invalid_request}. */
  public static ActivityQuery parse(JsonObject json) {
    JsonObject b = WireFields.body(json);
    return new ActivityQuery(WireFields.whole(b, "limit", 1, 1000), WireFields.whole(b, "sinceSeq"), WireFields.whole(b, "beforeSeq"),
        WireFields.time(b, "since"), WireFields.string(b, "user"), WireFields.string(b, "action"), WireFields.string(b, "hostId"),
        WireFields.time(b, "from"), WireFields.time(b, "until"));
  }

  public OffsetDateTime fromTime() {
    return from == null ? null : WireFields.parseTime("from", from);
  }

  public OffsetDateTime untilTime() {
    return until == null ? null : WireFields.parseTime("until", until);
  }

  public OffsetDateTime sinceTime() {
    return since == null ? null : WireFields.parseTime("since", since);
  }
}
