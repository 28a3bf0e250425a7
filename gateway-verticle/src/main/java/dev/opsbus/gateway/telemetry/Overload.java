package dev.opsbus.gateway.telemetry;

import dev.opsbus.model.ErrorCode;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.function.IntSupplier;

/**
 * Whether this node should take no new clients although it works: it holds
 * {@code bridge.maxConnections} bridge connections ({@code node_full}), or its event loop lags past
 * {@code gateway.readyMaxEventLoopLagMs} ({@code event_loop_lag}). {@code /ready} answers 503 with
 * the reason, so a load balancer sends new clients elsewhere until it passes. Read on the event loop.
 */
public final class Overload {

  /** The {@code /ready} reason of a lagging event loop (not an error code: nothing is refused for it). */
  public static final String EVENT_LOOP_LAG = "event_loop_lag";

  private final EventLoopLag lag;
  private final long maxLagNanos;
  private final IntSupplier connections;
  private final int maxConnections;

  public Overload(EventLoopLag lag, Duration maxLag, IntSupplier connections, int maxConnections) {
    this.lag = lag;
    this.maxLagNanos = maxLag.toNanos();
    this.connections = connections;
    this.maxConnections = maxConnections;
  }

  /** {@code node_full}, {@code event_loop_lag}, or null when the node can take more. */
  public String reason() {
    if (connections.getAsInt() >= maxConnections) {
      return ErrorCode.NODE_FULL.wireName();
    }
    if (lag.recentMaxNanos() > maxLagNanos) {
      return EVENT_LOOP_LAG;
    }
    return null;
  }

  /** Adds what the decision was made on to a {@code /ready} answer. */
  public void describe(JsonObject answer) {
    answer.put("bridgeConnections", connections.getAsInt()).put("maxConnections", maxConnections)
        .put("eventLoopLagMs", lag.recentMaxNanos() / 1_000_000).put("maxEventLoopLagMs", maxLagNanos / 1_000_000);
  }
}
