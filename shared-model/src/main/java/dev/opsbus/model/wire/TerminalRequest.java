package dev.opsbus.model.wire;

import dev.opsbus.model.Json;
import io.vertx.core.json.JsonObject;

/**
 * The body of the terminal requests every relay serves. Each operation reads the fields it needs
 * and the rest stay out: {@code ssh.open} (hostId, cols, rows), {@code ssh.join} (sessionId, mode),
 * {@code ssh.invite} (sessionId, username, mode), {@code ssh.resize} (sessionId, cols, rows),
 * {@code ssh.detach} (sessionId, leave), {@code ssh.attach}, {@code ssh.close} and
 * {@code ssh.recording} (sessionId).
 *
 * @param mode {@link #WRITE} or {@link #VIEW}: the role asked for (join) or granted (invite)
 * @param username the user invited
 * @param leave on detach: once no socket of the caller is attached, stop being a participant
 */
public record TerminalRequest(String sessionId, String hostId, String mode, String username, Integer cols, Integer rows,
    Boolean leave) {

  public static final String WRITE = "write";
  public static final String VIEW = "view";

  public static TerminalRequest open(String hostId, int cols, int rows) {
    return new TerminalRequest(null, hostId, null, null, cols, rows, null);
  }

  /** A request that names only the session: attach, close, recording. */
  public static TerminalRequest of(String sessionId) {
    return new TerminalRequest(sessionId, null, null, null, null, null, null);
  }

  public static TerminalRequest join(String sessionId, String mode) {
    return new TerminalRequest(sessionId, null, mode, null, null, null, null);
  }

  public static TerminalRequest invite(String sessionId, String username, String mode) {
    return new TerminalRequest(sessionId, null, mode, username, null, null, null);
  }

  public static TerminalRequest resize(String sessionId, int cols, int rows) {
    return new TerminalRequest(sessionId, null, null, null, cols, rows, null);
  }

  public static TerminalRequest detach(String sessionId, boolean leave) {
    return new TerminalRequest(sessionId, null, null, null, null, null, leave);
  }

  /** The mode asked for, {@link #VIEW} when none is given. */
  public String modeOrView() {
    return mode == null ? VIEW : mode;
  }

  public JsonObject toJson() {
    return Json.toJsonObject(this);
  }

  public static TerminalRequest fromJson(JsonObject json) {
    return Json.fromJsonObject(json, TerminalRequest.class);
  }
}
