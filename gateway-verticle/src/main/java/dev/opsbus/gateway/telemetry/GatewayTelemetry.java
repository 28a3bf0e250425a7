package dev.opsbus.gateway.telemetry;

import dev.opsbus.model.ErrorCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.snapshots.Labels;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * What the gateway counts of its real-time traffic, for {@code /metrics} (docs/ARCHITECTURE.md,
 * "Telemetry"): messages received and sent per transport, refusals per error code, the delivery
 * latency histogram, the event loop's lag, and the terminal sessions of this node's relay. The
 * bridge and the HTTP bus API report to it; it knows neither. Counters are Prometheus counters
 * ({@code _total}), never gauges of a running total. Event-loop confined: everything is recorded
 * and scraped on the gateway's event loop, so the per-frame paths add plain increments only.
 */
public final class GatewayTelemetry {

  /** The transport label of messages published or requested over {@code /api/bus/*}. */
  public static final String HTTP_TRANSPORT = "http";
  /** The bridge's transports, shown from the start (at zero) so dashboards see them; {@code http} only receives. */
  public static final List<String> TRANSPORTS = List.of("websocket", "sockjs", "tcp");

  static final String RECEIVED = "opsbus.bridge.messages.received";
  static final String SENT = "opsbus.bridge.messages.sent";
  static final String REFUSALS = "opsbus.bridge.refusals";
  static final String OPENED = "opsbus.bridge.connections.opened";
  /** Prometheus name of the delivery histogram (registered as a Prometheus collector, not a Micrometer meter). */
  public static final String LATENCY = "opsbus_bridge_delivery_latency_seconds";

  /** One bridge transport's counts. */
  private static final class Transport {
    Counter received;
    Counter opened;
    final java.util.concurrent.atomic.LongAdder sent = new java.util.concurrent.atomic.LongAdder();
  }

  /** Messages HTTP publish and request put on the bus (HTTP answers are not bus deliveries, so it has no sent count). */
  private final Counter httpReceived;

  private final MeterRegistry registry;
  /** Counted from every accept loop: the maps are concurrent, the counts adders or Micrometer's own (thread-safe). */
  private final Map<String, Transport> transports = new java.util.concurrent.ConcurrentHashMap<>();
  private final Map<ErrorCode, Counter> refusals = new EnumMap<>(ErrorCode.class);
  private final LatencyHistogram latency;
  private final TerminalHops terminalHops;
  private EventLoopLag lag;

  /** @param nodeId the label {@code node} of the histogram (Micrometer meters get it as a common tag) */
  public GatewayTelemetry(MeterRegistry registry, String nodeId) {
    this.registry = registry;
    this.latency = new LatencyHistogram(LATENCY,
        "time from a bus message reaching the gateway's consumer to its frame handed to a client's socket", Labels.of("node", nodeId));
    this.terminalHops = new TerminalHops(nodeId);
    if (registry instanceof PrometheusMeterRegistry prometheus) {
      prometheus.getPrometheusRegistry().register(latency);
      prometheus.getPrometheusRegistry().register(terminalHops);
    }
    for (String kind : TRANSPORTS) {
      transport(kind);
    }
    httpReceived = receivedCounter(HTTP_TRANSPORT);
  }

  private Counter receivedCounter(String kind) {
    return Counter.builder(RECEIVED).description("messages received from clients (frames in; HTTP: messages published or requested)")
        .tag("transport", kind).register(registry);
  }

  private Transport transport(String kind) {
    Transport t = transports.get(kind);
    return t != null ? t : made(kind);
  }

  /** Registers a transport's meters once (Micrometer hands back the meters already registered). */
  private synchronized Transport made(String kind) {
    Transport t = transports.get(kind);
    if (t == null) {
      Transport made = new Transport();
      made.received = receivedCounter(kind);
      made.opened = Counter.builder(OPENED).description("bridge connections accepted (before any cap refused them)")
          .tag("transport", kind).register(registry);
      FunctionCounter.builder(SENT, made, m -> m.sent.sum())
          .description("bus messages written to clients: subscription deliveries, replays and replies").tag("transport", kind).register(registry);
      transports.put(kind, made);
      t = made;
    }
    return t;
  }

  /** {@code n} messages came in from a client over {@code transport}. */
  public void received(String transport, int n) {
    (HTTP_TRANSPORT.equals(transport) ? httpReceived : transport(transport).received).increment(n);
  }

  /** A connection of {@code transport} was accepted. */
  public void opened(String transport) {
    transport(transport).opened.increment();
  }

  /**
   * A bus message was written to a client over {@code transport}; {@code arrivedNanos} is when it
   * reached the gateway's consumer ({@link System#nanoTime()}), or 0 when it did not come from a
   * subscription's consumer (a replay or a reply), which counts but has no latency.
   */
  public void sent(String transport, long arrivedNanos) {
    transport(transport).sent.increment();
    if (arrivedNanos != 0) {
      latency.record(System.nanoTime() - arrivedNanos);
    }
  }

  /** Something was refused with {@code code} (a frame or a connection). */
  public synchronized void refused(ErrorCode code) {
    refusals.computeIfAbsent(code, c -> Counter.builder(REFUSALS).description("frames and connections the bridge refused, by error code")
        .tag("code", c.wireName()).register(registry)).increment();
  }

  /** A terminal echo's hops ({@value TerminalHops#NAME}), recorded by the terminal sockets. */
  public TerminalHops terminalHops() {
    return terminalHops;
  }

  /** Samples delivered so far, for tests and observation. */
  public long latencySamples() {
    return latency.count();
  }

  /** Shows the event loop's lag: the newest sample and the recent worst. */
  public GatewayTelemetry eventLoop(EventLoopLag probe) {
    this.lag = probe;
    Gauge.builder("opsbus.event.loop.lag", probe, p -> p.lastNanos() / 1e9).baseUnit("seconds").strongReference(true)
        .description("how late the gateway's event loop ran its probe timer, newest sample").register(registry);
    Gauge.builder("opsbus.event.loop.lag.max", probe, p -> p.recentMaxNanos() / 1e9).baseUnit("seconds").strongReference(true)
        .description("worst event loop lag of the recent samples (what /ready compares)").register(registry);
    return this;
  }

  public EventLoopLag eventLoop() {
    return lag;
  }

  /** Stops the event loop probe. */
  public void stop() {
    if (lag != null) {
      lag.stop();
    }
  }

  /** Shows the terminal sessions this node's relay holds (as {@code ssh.sessions} told the gateway). */
  public GatewayTelemetry sshSessions(IntSupplier live) {
    Gauge.builder("opsbus.ssh.sessions", live, IntSupplier::getAsInt).strongReference(true)
        .description("live terminal sessions held by this node's SSH relay").register(registry);
    return this;
  }
}
