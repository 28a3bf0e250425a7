package dev.opsbus.gateway.bridge;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The bridge's gauges on {@code /metrics}: connections per transport, subscriptions, bus consumers and
 * outbound queue depth. Its counters (messages, refusals) and the delivery latency are kept by
 * {@code telemetry/GatewayTelemetry}, which the bridge reports to.
 */
public final class BridgeMeters {

  private BridgeMeters() {
  }

  public static void bind(MeterRegistry registry, BridgeServer bridge) {
    for (String kind : new String[] {SockJsTransport.KIND, WebSocketTransport.KIND, BridgeTransport.TCP_KIND}) {
      Gauge.builder("opsbus.bridge.connections", bridge, b -> b.connectionCount(kind))
          .description("real-time connections open on this node").tag("transport", kind).register(registry);
    }
    Gauge.builder("opsbus.bridge.subscriptions", bridge, BridgeServer::subscriptionCount)
        .description("client subscriptions on this node").register(registry);
    Gauge.builder("opsbus.bridge.bus.consumers", bridge, BridgeServer::busConsumerCount)
        .description("bus consumers the bridge holds: one per watched address").register(registry);
    Gauge.builder("opsbus.bridge.queued.frames", bridge, BridgeServer::queuedFrames)
        .description("frames waiting in the outbound queues of sockets that do not keep up").register(registry);
    Gauge.builder("opsbus.bridge.queued.frames.max", bridge, BridgeServer::maxQueuedFrames)
        .description("the longest outbound queue of one connection, in frames").register(registry);
    Gauge.builder("opsbus.bridge.connections.max", bridge, BridgeServer::maxConnections)
        .description("bridge.maxConnections: past it new connections get node_full").register(registry);
  }
}
