package dev.opsbus.model.wire;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.opsbus.model.Json;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * What happened in a terminal session, published on {@code ssh.session.{sid}.events} for everyone
 * watching it; {@code seq} grows by one per event of the session.
 *
 * @param username who it happened to (joined, attached, typed ...), or who was invited
 * @param role that user's role
 * @param cols the terminal's width when it happened
 * @param reason why the session closed ({@link #CLOSED} only)
 * @param by who sent the invitation ({@link #INVITED} only)
 */
public record SessionEvent(String type, Instant ts, String sessionId, long seq, String username, String role, int cols,
    int rows, String reason, String by) {

  public static final String JOINED = "joined";
  public static final String LEFT = "left";
  public static final String ATTACHED = "attached";
  public static final String DETACHED = "detached";
  public static final String RESIZED = "resized";
  public static final String INVITED = "invited";
  /** A participant asked to write ({@code ssh.join} with mode write) and got viewer: the driver may invite them. */
  public static final String WRITE_REQUESTED = "write_requested";
  public static final String INPUT_REFUSED = "input_refused";
  public static final String CLOSED = "closed";

  @JsonIgnore
  public boolean isClosed() {
    return CLOSED.equals(type);
  }

  public JsonObject toJson() {
    return Json.toJsonObject(this);
  }

  public static SessionEvent fromJson(JsonObject json) {
    return Json.fromJsonObject(json, SessionEvent.class);
  }
}
