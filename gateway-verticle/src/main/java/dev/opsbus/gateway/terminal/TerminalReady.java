package dev.opsbus.gateway.terminal;

import dev.opsbus.model.Json;
import dev.opsbus.model.wire.SessionParticipant;
import dev.opsbus.model.wire.SessionStatus;
import dev.opsbus.model.wire.TerminalAttached;
import io.vertx.core.json.JsonObject;

/**
 * The {@code ready} frame a terminal socket sends its browser once the relay has attached it: the
 * session, the browser's role, the size, and whether its keystrokes are refused ({@code readOnly}).
 * Keystrokes typed before it are delivered right after it; {@code typedBeforeReady} says how many
 * bytes of them the socket held.
 */
record TerminalReady(String type, String sessionId, String hostId, String role, int cols, int rows, SessionStatus status,
    boolean readOnly, int typedBeforeReady) {

  static final String TYPE = "ready";

  static TerminalReady of(TerminalAttached attached, String role, int typedBeforeReady) {
    return new TerminalReady(TYPE, attached.sessionId(), attached.hostId(), role, attached.cols(), attached.rows(),
        attached.status(), SessionParticipant.VIEWER.equals(role), typedBeforeReady);
  }

  JsonObject toJson() {
    return Json.toJsonObject(this);
  }
}
