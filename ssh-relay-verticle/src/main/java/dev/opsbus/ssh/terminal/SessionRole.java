package dev.opsbus.ssh.terminal;

import dev.opsbus.model.wire.SessionParticipant;
import dev.opsbus.model.wire.TerminalRequest;

/** What a participant of a shared terminal may do: the driver types and resizes, a writer types, a viewer watches. */
enum SessionRole {
  DRIVER(SessionParticipant.DRIVER), WRITER(SessionParticipant.WRITER), VIEWER(SessionParticipant.VIEWER);

  private final String wireName;

  SessionRole(String wireName) {
    this.wireName = wireName;
  }

  String wireName() {
    return wireName;
  }

  boolean mayType() {
    return this != VIEWER;
  }

  /** {@code "write"} or {@code "view"}, as {@code ssh.join} and {@code ssh.invite} name a mode; null for anything else. */
  static SessionRole fromMode(String mode) {
    if (TerminalRequest.WRITE.equals(mode)) {
      return WRITER;
    }
    if (TerminalRequest.VIEW.equals(mode)) {
      return VIEWER;
    }
    return null;
  }
}
