package dev.opsbus.model.wire;

import dev.opsbus.model.Json;
import io.vertx.core.json.JsonObject;

/**
 * What a node's gateway answers its metrics verticle on {@code node.{nodeId}.gateway.stats}: open
 * real-time connections, subscriptions and the bus consumers behind them, logged-in users, and
 * running totals of delivered and refused frames.
 */
public record GatewayStatsReport(int sockJsConnections, int webSocketConnections, int bridgeSubscriptions,
    int busConsumers, int webSessions, long delivered, long refused) {

  public static final GatewayStatsReport NONE = new GatewayStatsReport(0, 0, 0, 0, 0, 0, 0);

  /** Real-time connections: SockJS plus raw WebSocket. */
  public int connections() {
    return sockJsConnections + webSocketConnections;
  }

  public JsonObject toJson() {
    return Json.toJsonObject(this);
  }

  public static GatewayStatsReport fromJson(JsonObject json) {
    return Json.fromJsonObject(json, GatewayStatsReport.class);
  }
}
