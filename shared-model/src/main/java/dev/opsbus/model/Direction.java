package dev.opsbus.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * Which way a client uses an address: subscribe (a bridge {@code register}, and every delivery
 * after it), send (one-way), publish, or request (a send that expects a reply).
 */
public enum Direction {
  SUBSCRIBE, SEND, PUBLISH, REQUEST;

  @JsonValue
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static Direction parse(String s) {
    for (Direction d : values()) {
      if (d.wireName().equals(s)) {
        return d;
      }
    }
    throw new IllegalArgumentException("unknown direction '" + s + "' (subscribe, send, publish, request)");
  }
}
