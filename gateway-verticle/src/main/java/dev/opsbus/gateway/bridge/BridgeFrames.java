package dev.opsbus.gateway.bridge;

import dev.opsbus.model.ErrorCode;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/** The vertx-eventbus.js frames the server writes: {@code rec} and {@code err}, encoded as text. */
final class BridgeFrames {

  private BridgeFrames() {
  }

  /** A delivery: {@code {"type":"rec","address":...,"body":...}} with headers when the message has any. */
  static String rec(String address, Object body, MultiMap headers, String replyAddress) {
    StringBuilder sb = new StringBuilder(64 + (body instanceof String s ? s.length() : 128));
    sb.append("{\"type\":\"rec\",\"address\":").append(Json.encode(address));
    if (replyAddress != null) {
      sb.append(",\"replyAddress\":").append(Json.encode(replyAddress));
    }
    if (headers != null && !headers.isEmpty()) {
      JsonObject h = new JsonObject();
      for (Map.Entry<String, String> e : headers) {
        // who-is-asking headers are for services on the bus, not for every subscriber
        if (!e.getKey().regionMatches(true, 0, "opsbus-", 0, 7)) {
          h.put(e.getKey(), e.getValue());
        }
      }
      if (!h.isEmpty()) {
        sb.append(",\"headers\":").append(h.encode());
      }
    }
    sb.append(",\"body\":").append(bodyJson(body)).append('}');
    return sb.toString();
  }

  /**
   * A refusal or failure. With {@code address} set, vertx-eventbus.js hands it to the handler of
   * that address (or to the reply callback when it is a reply address); without, to {@code onerror}.
   */
  static String err(String address, ErrorCode code, String message) {
    return err(address, code.failureCode(), code.wireName(), message);
  }

  static String err(String address, int failureCode, String failureType, String message) {
    JsonObject f = new JsonObject().put("type", "err");
    if (address != null) {
      f.put("address", address);
    }
    return f.put("failureCode", failureCode)
        .put("failureType", failureType)
        .put("message", message)
        .put("body", failureType)
        .encode();
  }

  /**
   * The node is going away: {@code err} {@code node_draining} (to {@code onerror}) with
   * {@code reconnectAfterMs}, how long this client should wait before it reconnects.
   */
  static String draining(long reconnectAfterMs) {
    ErrorCode code = ErrorCode.NODE_DRAINING;
    return new JsonObject().put("type", "err")
        .put("failureCode", code.failureCode())
        .put("failureType", code.wireName())
        .put("message", "this node is shutting down: reconnect in " + reconnectAfterMs + " ms (another node will take you)")
        .put("body", code.wireName())
        .put("reconnectAfterMs", reconnectAfterMs)
        .encode();
  }

  static String bodyJson(Object body) {
    if (body == null) {
      return "null";
    }
    if (body instanceof JsonObject o) {
      return o.encode();
    }
    if (body instanceof JsonArray a) {
      return a.encode();
    }
    if (body instanceof Buffer b) {
      return Json.encode(b.toString());
    }
    if (body instanceof Number || body instanceof Boolean) {
      return body.toString();
    }
    return Json.encode(body.toString());
  }
}
