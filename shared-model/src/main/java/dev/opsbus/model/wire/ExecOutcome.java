package dev.opsbus.model.wire;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** How a command run through {@code ssh.exec} ended. */
public enum ExecOutcome {
  COMPLETED, FAILED, CANCELLED, TIMED_OUT;

  @JsonValue
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static ExecOutcome fromWireName(String name) {
    return valueOf(name.toUpperCase(Locale.ROOT));
  }
}
