package dev.opsbus.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One measured point of a fan-out run: a server, a client count, an offered rate.
 *
 * <p>{@code generatorMicrosPerDelivery}: the generator process's CPU (utime+stime) from the window's
 * start to the end of the drain, over every delivery it received in that time (whatever point it
 * belonged to), in µs; 10^6 over it is what the generator could take on one whole core.
 *
 * <p>{@code generatorLagP99Ms}, {@code generatorLagMaxMs}: how late the generator's own I/O loop ran
 * in the window ({@link LoopLagProbe}), NaN when the client does not measure it. A point is
 * {@code generatorOverloaded} (thrown out) when the generator's core was busier than the run allows
 * or this p99 lag passed the run's bound.
 */
public record PointResult(
    String scenario,
    String server,
    String protocol,
    int run,
    int clientsRequested,
    int clientsConnected,
    double rate,
    double offeredDeliveriesPerSecond,
    int size,
    double warmupSeconds,
    double durationSeconds,
    long expectedOffered,
    long publishedInWindow,
    long delivered,
    double deliveredPct,
    double deliveredPctOfPublished,
    double achievedRate,
    boolean rateHeld,
    double maxPublisherLagMs,
    double p50Ms,
    double p99Ms,
    double p999Ms,
    double maxMs,
    long latencyCount,
    double rateMinPerSecond,
    double rateMedianPerSecond,
    long errors,
    long invalidFrames,
    long disconnects,
    long connectFailures,
    long negativeLatencies,
    double serverCpuPct,
    double serverCoreBusyPct,
    double serverCpuMicrosPerDelivery,
    double serverCoreMicrosPerDelivery,
    double generatorBusyPct,
    double generatorProcessCpuPct,
    boolean generatorOverloaded,
    long serverRssBytes,
    boolean passed,
    String firstError,
    double generatorMicrosPerDelivery,
    double generatorLagP99Ms,
    double generatorLagMaxMs) {

  /** The CSV columns, in order; the report reads them by name. */
  public Map<String, Object> columns() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("scenario", scenario);
    c.put("server", server);
    c.put("protocol", protocol);
    c.put("run", run);
    c.put("clients", clientsRequested);
    c.put("clients_connected", clientsConnected);
    c.put("rate_msgs", rate);
    c.put("offered_deliveries_per_s", offeredDeliveriesPerSecond);
    c.put("size", size);
    c.put("warmup_s", warmupSeconds);
    c.put("duration_s", durationSeconds);
    c.put("expected_offered", expectedOffered);
    c.put("published_in_window", publishedInWindow);
    c.put("delivered", delivered);
    c.put("delivered_pct", deliveredPct);
    c.put("delivered_pct_of_published", deliveredPctOfPublished);
    c.put("achieved_rate_msgs", achievedRate);
    c.put("rate_held", rateHeld);
    c.put("max_publisher_lag_ms", maxPublisherLagMs);
    c.put("p50_ms", p50Ms);
    c.put("p99_ms", p99Ms);
    c.put("p999_ms", p999Ms);
    c.put("max_ms", maxMs);
    c.put("latency_count", latencyCount);
    c.put("deliveries_per_s_min", rateMinPerSecond);
    c.put("deliveries_per_s_median", rateMedianPerSecond);
    c.put("errors", errors);
    c.put("invalid_frames", invalidFrames);
    c.put("disconnects", disconnects);
    c.put("connect_failures", connectFailures);
    c.put("negative_latencies", negativeLatencies);
    c.put("server_cpu_pct", serverCpuPct);
    c.put("server_core_busy_pct", serverCoreBusyPct);
    c.put("server_cpu_us_per_delivery", serverCpuMicrosPerDelivery);
    c.put("server_core_us_per_delivery", serverCoreMicrosPerDelivery);
    c.put("generator_busy_pct", generatorBusyPct);
    c.put("generator_process_cpu_pct", generatorProcessCpuPct);
    c.put("generator_overloaded", generatorOverloaded);
    c.put("generator_cpu_us_per_delivery", generatorMicrosPerDelivery());
    c.put("server_rss_bytes", serverRssBytes);
    c.put("passed", passed);
    c.put("first_error", firstError == null ? "" : firstError);
    c.put("generator_lag_p99_ms", generatorLagP99Ms);
    c.put("generator_lag_max_ms", generatorLagMaxMs);
    return c;
  }

  public String summary() {
    return String.format(java.util.Locale.ROOT,
        "%-8s clients=%d/%d rate=%.2f msg/s offered=%.0f/s delivered=%.2f%% achieved=%.2f msg/s held=%s "
            + "p50=%.2fms p99=%.2fms p99.9=%.2fms errors=%d disconnects=%d server_cpu=%.0f%% %.2fus/msg gen_busy=%.0f%% "
            + "gen_cpu=%.0f%% %.2fus/delivery (one core: %.0f/s) gen_lag p99=%.2fms max=%.2fms%s -> %s",
        server, clientsConnected, clientsRequested, rate, offeredDeliveriesPerSecond, deliveredPct, achievedRate,
        rateHeld, p50Ms, p99Ms, p999Ms, errors, disconnects, serverCpuPct, serverCpuMicrosPerDelivery,
        generatorBusyPct, generatorProcessCpuPct, generatorMicrosPerDelivery(), 1e6 / generatorMicrosPerDelivery(),
        generatorLagP99Ms, generatorLagMaxMs, generatorOverloaded ? " (OVERLOADED: point thrown out)" : "", passed ? "PASS" : "fail");
  }
}
