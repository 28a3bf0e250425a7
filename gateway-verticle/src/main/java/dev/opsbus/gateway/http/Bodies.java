package dev.opsbus.gateway.http;

import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** Reading JSON request bodies with errors that name the field at fault. */
public final class Bodies {

  private Bodies() {
  }

  public static JsonObject object(RoutingContext ctx) {
    try {
      JsonObject o = ctx.body().asJsonObject();
      if (o == null) {
        throw new OpsbusException(ErrorCode.INVALID_REQUEST, "the request needs a JSON object body");
      }
      return o;
    } catch (DecodeException | ClassCastException e) {
      throw new OpsbusException(ErrorCode.INVALID_JSON, "the request body is not a JSON object");
    }
  }

  public static String requiredString(JsonObject body, String field, int maxLength) {
    Object v = body.getValue(field);
    if (!(v instanceof String s) || s.isEmpty()) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "field '" + field + "' is required and must be a non-empty string");
    }
    if (s.length() > maxLength) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "field '" + field + "' is longer than " + maxLength + " characters");
    }
    return s;
  }

  public static String optionalString(JsonObject body, String field, int maxLength) {
    return body.containsKey(field) ? requiredString(body, field, maxLength) : null;
  }

  public static JsonArray optionalArray(JsonObject body, String field) {
    Object v = body.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof JsonArray a)) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "field '" + field + "' must be an array");
    }
    return a;
  }

  public static Integer optionalInt(JsonObject body, String field, int min, int max) {
    Object v = body.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.intValue() < min || n.intValue() > max) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "field '" + field + "' must be a whole number from " + min + " to " + max);
    }
    return n.intValue();
  }

  public static Boolean optionalBoolean(JsonObject body, String field) {
    Object v = body.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Boolean b)) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "field '" + field + "' must be true or false");
    }
    return b;
  }
}
