package dev.opsbus.ssh.terminal;

import java.util.Locale;

/** What a participant of a shared terminal may do: the driver types and resizes, a writer types, a viewer watches. */
enum SessionRole {
  DRIVER, WRITER, VIEWER;

  String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  boolean mayType() {
    return this != VIEWER;
  }

  /** {@code "write"} or {@code "view"}, as {@code ssh.join} and {@code ssh.invite} name a mode; null for anything else. */
  static SessionRole fromMode(String mode) {
    if ("write".equals(mode)) {
      return WRITER;
    }
    if ("view".equals(mode)) {
      return VIEWER;
    }
    return null;
  }
}
