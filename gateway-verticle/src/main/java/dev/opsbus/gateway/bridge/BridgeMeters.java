package dev.opsbus.gateway.bridge;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/** The bridge's gauges on {@code /metrics}: connections per transport, subscriptions, bus consumers, delivered and refused frames. */
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
    Gauge.builder("opsbus.bridge.delivered", bridge, b -> b.stats().deliveredTotal())
        .description("frames delivered to clients since start").register(registry);
    Gauge.builder("opsbus.bridge.refused", bridge, b -> b.stats().refusedTotal())
        .description("frames and connections refused since start").register(registry);
  }
}
