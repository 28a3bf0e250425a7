package dev.opsbus.model.wire;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Where a terminal session is in its life, as {@code ssh.sessions} reports it. */
public enum SessionStatus {
  AUTHENTICATING, ACTIVE, IDLE, DISCONNECTED, CLOSED;

  @JsonValue
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static SessionStatus fromWireName(String name) {
    return valueOf(name.toUpperCase(Locale.ROOT));
  }

  /** The session is over: nobody may join or type any more. */
  public boolean ended() {
    return this == DISCONNECTED || this == CLOSED;
  }
}
