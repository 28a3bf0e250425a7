package dev.opsbus.model.wire;

import dev.opsbus.model.Json;
import io.vertx.core.json.JsonObject;

/**
 * The relay's answer to {@code ssh.attach}: what a terminal socket needs before it shows live output.
 *
 * @param role the caller's role ({@link SessionParticipant#DRIVER}, ...)
 * @param scrollback the last output of the session, base64
 * @param offset the byte offset just past the scrollback: live chunks ({@code off} header) before it are already shown
 */
public record TerminalAttached(String sessionId, String hostId, String role, int cols, int rows, SessionStatus status,
    String scrollback, long offset) {

  public JsonObject toJson() {
    return Json.toJsonObject(this);
  }

  public static TerminalAttached fromJson(JsonObject json) {
    return Json.fromJsonObject(json, TerminalAttached.class);
  }
}
