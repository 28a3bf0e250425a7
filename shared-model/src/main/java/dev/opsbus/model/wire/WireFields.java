package dev.opsbus.model.wire;

import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * Strict reads of one field of a request body for the records' {@code parse} methods: absent or
 * null is null; a value of the wrong JSON type is {@code invalid_request} naming the field, never
 * a {@code ClassCastException} (a number is not a string, a string is not a number).
 */
final class WireFields {

  private WireFields() {
  }

  static JsonObject body(JsonObject json) {
    return json == null ? new JsonObject() : json;
  }

  static String string(JsonObject b, String name) {
    Object v = b.getValue(name);
    if (v == null || v instanceof String) {
      return (String) v;
    }
    throw wrong(name, "a string");
  }

  static Long whole(JsonObject b, String name) {
    Object v = b.getValue(name);
    if (v == null) {
      return null;
    }
    if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
      return ((Number) v).longValue();
    }
    if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && Math.abs(n.doubleValue()) < 9.0e15) {
      return n.longValue();
    }
    throw wrong(name, "a whole number");
  }

  static Integer whole(JsonObject b, String name, int min, int max) {
    Long v = whole(b, name);
    if (v == null) {
      return null;
    }
    if (v < min || v > max) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, name + ": from " + min + " to " + max);
    }
    return v.intValue();
  }

  static Boolean flag(JsonObject b, String name) {
    Object v = b.getValue(name);
    if (v == null || v instanceof Boolean) {
      return (Boolean) v;
    }
    throw wrong(name, "true or false");
  }

  static JsonObject object(JsonObject b, String name) {
    Object v = b.getValue(name);
    if (v == null || v instanceof JsonObject) {
      return (JsonObject) v;
    }
    throw wrong(name, "an object");
  }

  /** An ISO-8601 time with an offset, kept as its text. */
  static String time(JsonObject b, String name) {
    String v = string(b, name);
    if (v != null) {
      parseTime(name, v);
    }
    return v;
  }

  static OffsetDateTime parseTime(String name, String v) {
    try {
      return OffsetDateTime.parse(v);
    } catch (DateTimeParseException e) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, name + ": an ISO-8601 time with an offset, such as 2026-11-22T10:00:00Z");
    }
  }

  private static OpsbusException wrong(String name, String what) {
    return new OpsbusException(ErrorCode.INVALID_REQUEST, name + ": must be " + what);
  }
}
