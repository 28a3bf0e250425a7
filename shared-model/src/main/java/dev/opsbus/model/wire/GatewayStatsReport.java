package dev.opsbus.model.wire;

import dev.opsbus.model.Json;
import io.vertx.core.json.JsonObject;

/**
 * What a node's gateway answers its metrics verticle on {@code node.{nodeId}.gateway.stats}: open
 * real-time connections per transport (SockJS, raw WebSocket, the TCP bridge), subscriptions and the
 * bus consumers behind them, logged-in users, and running totals of delivered and refused frames.
 * A report without {@code tcpConnections} (a gateway of an older build) reads as zero.
 */
public record GatewayStatsReport(int sockJsConnections, int webSocketConnections, int bridgeSubscriptions,
    int busConsumers, int webSessions, long delivered, long refused, int tcpConnections) {

  public static final GatewayStatsReport NONE = new GatewayStatsReport(0, 0, 0, 0, 0, 0, 0, 0);

  /** Without TCP bridge connections. */
  public GatewayStatsReport(int sockJsConnections, int webSocketConnections, int bridgeSubscriptions, int busConsumers, int webSessions,
      long delivered, long refused) {
    this(sockJsConnections, webSocketConnections, bridgeSubscriptions, busConsumers, webSessions, delivered, refused, 0);
  }

  /** Real-time connections: SockJS, raw WebSocket and TCP bridge. */
  public int connections() {
    return sockJsConnections + webSocketConnections + tcpConnections;
  }

  public JsonObject toJson() {
    return Json.toJsonObject(this);
  }

  public static GatewayStatsReport fromJson(JsonObject json) {
    return Json.fromJsonObject(json, GatewayStatsReport.class);
  }
}
