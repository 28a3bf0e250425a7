package dev.opsbus.metrics;

import io.vertx.core.json.JsonObject;

/**
 * The connection counts the gateway of this node reports on {@code node.<nodeId>.gateway.stats}.
 * A node without a gateway, or one that does not answer in time, counts as {@link #NONE}.
 */
record GatewayStats(int sockJsConnections, int webSocketConnections, int bridgeSubscriptions, int webSessions) {

  static final GatewayStats NONE = new GatewayStats(0, 0, 0, 0);

  /**
   * Reads a reply body. Missing fields count as zero; a body that is not a JSON object, or a field
   * that is not a number, is refused so the caller can say the gateway answered nonsense.
   */
  static GatewayStats fromReply(Object body) {
    if (!(body instanceof JsonObject json)) {
      throw new IllegalArgumentException("gateway stats reply is not a JSON object: "
          + (body == null ? "null" : body.getClass().getSimpleName()));
    }
    return new GatewayStats(
        count(json, "sockJsConnections"),
        count(json, "webSocketConnections"),
        count(json, "bridgeSubscriptions"),
        count(json, "webSessions"));
  }

  private static int count(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (value == null) {
      return 0;
    }
    if (!(value instanceof Number n)) {
      throw new IllegalArgumentException("gateway stats field " + field + " is not a number: " + value);
    }
    // a negative count is a gateway bug; clamping keeps cluster totals meaningful
    return Math.max(0, n.intValue());
  }

  /** Real-time connections: SockJS plus raw WebSocket. */
  int connections() {
    return sockJsConnections + webSocketConnections;
  }
}
