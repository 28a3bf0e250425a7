package dev.opsbus.gateway;

import dev.opsbus.gateway.bridge.BridgeServer;
import dev.opsbus.gateway.http.HealthRoutes;
import dev.opsbus.gateway.telemetry.EventLoopLag;
import dev.opsbus.gateway.telemetry.GatewayTelemetry;
import dev.opsbus.gateway.telemetry.Overload;
import dev.opsbus.gateway.terminal.SessionDirectory;
import io.vertx.core.Vertx;

/**
 * Issue 16, point 9's parts of the gateway, wired in one place so {@link GatewayVerticle} only calls
 * it: the bridge and HTTP publish report to {@link GatewayTelemetry}, the event loop's lag is probed
 * on the gateway's own event loop, and {@code /ready} learns when the node is full or lags.
 */
final class TelemetryWiring {

  /** How often the event loop's lag is sampled. */
  static final long LAG_PERIOD_MS = 200;

  private TelemetryWiring() {
  }

  /** Call on the gateway's event loop (its start), before the routes are mounted. */
  static GatewayTelemetry wire(Vertx vertx, GatewayConfig config, HealthRoutes health, BridgeServer bridge, SessionDirectory sessions,
      ServicesWiring services) {
    EventLoopLag lag = new EventLoopLag(vertx, LAG_PERIOD_MS).start();
    GatewayTelemetry telemetry = new GatewayTelemetry(health.meters(), config.nodeId())
        .eventLoop(lag)
        .sshSessions(() -> sessions.liveOn(config.nodeId()));
    bridge.telemetry(telemetry);
    services.countHttpMessages(n -> telemetry.received(GatewayTelemetry.HTTP_TRANSPORT, n));
    health.overload(new Overload(lag, config.connections().readyMaxEventLoopLag(), bridge::connectionCount, bridge.maxConnections()));
    return telemetry;
  }
}
