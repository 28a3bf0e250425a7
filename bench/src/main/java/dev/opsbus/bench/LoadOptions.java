package dev.opsbus.bench;

import java.net.URI;
import java.util.List;

/**
 * What one generator run does. {@code loads} are offered deliveries per second (messages per
 * second times clients); each becomes one measured point, in order.
 *
 * @param protocol raw, socketio, opsbus (the bridge frames over /eventbus/websocket) or sockjs (the same over SockJS's websocket transport)
 * @param url base WebSocket URL, {@code ws://host:port}; the protocol adds its path
 * @param controlUrl base URL of the bench control API, {@code http://host:port}
 * @param server label written to the results (raw, socketio, opsbus, …)
 * @param maxGeneratorBusy a point is thrown out when the generator's core was busier than this (%)
 * @param maxGeneratorLagMs a point is thrown out when the p99 lag of the generator's own I/O loop
 *     ({@link LoopLagProbe}) passed this: the generator itself may have added that much latency
 * @param prewarmSeconds before the first point, the server publishes at the first load for this
 *     long, unmeasured, so that neither side's first point runs on code the JIT has not compiled yet
 */
public record LoadOptions(
    String protocol,
    URI url,
    String controlUrl,
    String server,
    String scenario,
    int run,
    int clients,
    double connectRate,
    double warmupSeconds,
    double durationSeconds,
    double drainSeconds,
    double pauseSeconds,
    List<Double> loads,
    int size,
    int stopAfterFailures,
    double maxGeneratorBusy,
    double p99LimitMs,
    String address,
    String loginUrl,
    String user,
    String password,
    long serverPid,
    List<Integer> idleSteps,
    double settleSeconds,
    double maxGeneratorLagMs,
    double prewarmSeconds) {

  public static final double DEFAULT_P99_LIMIT_MS = 50;

  public LoadOptions {
    if (!List.of("raw", "socketio", "opsbus", "sockjs").contains(protocol)) {
      throw new IllegalArgumentException("--protocol must be raw, socketio, opsbus or sockjs");
    }
    if (clients < 1) {
      throw new IllegalArgumentException("--clients must be at least 1");
    }
    if (!(connectRate > 0)) {
      throw new IllegalArgumentException("--connect-rate must be positive");
    }
    if (warmupSeconds < 0 || !(durationSeconds > 0)) {
      throw new IllegalArgumentException("--warmup must be >= 0 and --duration > 0");
    }
    if (url.getHost() == null || url.getPort() < 0) {
      throw new IllegalArgumentException("--url must look like ws://127.0.0.1:8080");
    }
    loads = List.copyOf(loads);
    idleSteps = List.copyOf(idleSteps);
  }

  /** A small run with the usual defaults, for tests and callers that set only the essentials. */
  public static LoadOptions quick(String protocol, URI url, String controlUrl, int clients, double load,
      double warmupSeconds, double durationSeconds) {
    return new LoadOptions(protocol, url, controlUrl, protocol, "smoke", 1, clients, 1000, warmupSeconds,
        durationSeconds, 2, 0.2, List.of(load), 200, 0, 70, DEFAULT_P99_LIMIT_MS, OpsbusBenchPublisher.FANOUT_ADDRESS, null,
        "admin", null, -1, List.of(), 1, 1_000, 0);
  }

  double rateFor(double load) {
    return load / clients;
  }
}
