package dev.opsbus.gateway.telemetry;

import dev.opsbus.model.debug.HopTimes;
import dev.opsbus.model.debug.HopTimes.Stamp;
import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a terminal keystroke's echo spends its time, hop by hop ({@link HopTimes}):
 * {@value #NAME}{@code {hop="..."}} on {@code /metrics}, a histogram per hop with buckets from 10 µs.
 * A terminal socket records one sample per timed keystroke whose echo it writes out. With
 * {@code -Dopsbus.terminal.hopTiming=true} each hop's p50/p90/p99 is also logged every
 * {@value #LOG_EVERY} samples (INFO, this class's logger). Samples are few (one keystroke in
 * {@link HopTimes#SAMPLE_EVERY}), so recording takes a lock.
 */
public final class TerminalHops implements Collector {

  public static final String NAME = "opsbus_terminal_hop_seconds";

  /** The hops, each from one stamp to the next; {@code total} is gateway in to WebSocket written. */
  public enum Hop {
    BUS_IN("bus_in"), RELAY_TO_WRITER("relay_to_writer"), SSHJ_WRITE("sshj_write"), HOST_ECHO("host_echo"),
    READER_TO_LOOP("reader_to_loop"), COALESCE("coalesce"), BUS_OUT("bus_out"), WEBSOCKET_WRITE("websocket_write"),
    TOTAL("total"), ADDED("added");

    final String label;

    Hop(String label) {
      this.label = label;
    }
  }

  static final double[] BOUNDS_SECONDS = {
      0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1};
  static final int LOG_EVERY = 500;
  /** A hop longer than this is from clocks that do not compare (two machines), not a measurement. */
  private static final long MAX_NANOS = 60_000_000_000L;
  private static final Logger LOG = LoggerFactory.getLogger(TerminalHops.class);

  private final Labels node;
  private final long[] boundsNanos = new long[BOUNDS_SECONDS.length];
  private final long[][] counts = new long[Hop.values().length][BOUNDS_SECONDS.length + 1];
  private final long[] sums = new long[Hop.values().length];
  private final long[][] recent;
  private final int[] recentCount = new int[Hop.values().length];

  public TerminalHops(String nodeId) {
    this.node = Labels.of("node", nodeId);
    for (int i = 0; i < BOUNDS_SECONDS.length; i++) {
      boundsNanos[i] = Math.round(BOUNDS_SECONDS[i] * 1e9);
    }
    recent = HopTimes.LOG ? new long[Hop.values().length][LOG_EVERY] : null;
  }

  /**
   * One echo: the relay's stamps ({@link HopTimes#decode}) and the gateway's, when the chunk reached
   * the socket ({@code gatewayOut}) and when its frame was written ({@code written}).
   */
  public void record(long[] stamps, long gatewayOut, long written) {
    long in = stamps[Stamp.GATEWAY_IN.ordinal()];
    long total = written - in;
    if (in == 0 || total < 0 || total > MAX_NANOS) {
      return;
    }
    long echo = between(stamps, Stamp.WRITTEN, Stamp.READ);
    synchronized (this) {
      add(Hop.BUS_IN, between(stamps, Stamp.GATEWAY_IN, Stamp.RELAY_IN));
      add(Hop.RELAY_TO_WRITER, between(stamps, Stamp.RELAY_IN, Stamp.WRITE_START));
      add(Hop.SSHJ_WRITE, between(stamps, Stamp.WRITE_START, Stamp.WRITTEN));
      add(Hop.HOST_ECHO, echo);
      add(Hop.READER_TO_LOOP, between(stamps, Stamp.READ, Stamp.RELAY_LOOP));
      add(Hop.COALESCE, between(stamps, Stamp.RELAY_LOOP, Stamp.PUBLISHED));
      long published = stamps[Stamp.PUBLISHED.ordinal()];
      add(Hop.BUS_OUT, published == 0 ? -1 : gatewayOut - published);
      add(Hop.WEBSOCKET_WRITE, written - gatewayOut);
      add(Hop.TOTAL, total);
      add(Hop.ADDED, echo < 0 ? -1 : total - echo);
    }
  }

  private static long between(long[] stamps, Stamp from, Stamp to) {
    long a = stamps[from.ordinal()];
    long b = stamps[to.ordinal()];
    return a == 0 || b == 0 ? -1 : b - a;
  }

  /** A hop not taken (-1) or out of range is left out; the others of the same echo still count. */
  private void add(Hop hop, long nanos) {
    if (nanos < 0 || nanos > MAX_NANOS) {
      return;
    }
    int h = hop.ordinal();
    int i = 0;
    while (i < boundsNanos.length && nanos > boundsNanos[i]) {
      i++;
    }
    counts[h][i]++;
    sums[h] += nanos;
    if (recent != null) {
      recent[h][recentCount[h]++] = nanos;
      if (recentCount[h] == LOG_EVERY) {
        recentCount[h] = 0;
        long[] sorted = recent[h].clone();
        Arrays.sort(sorted);
        LOG.info("terminal hop {}: p50 {} µs, p90 {} µs, p99 {} µs, max {} µs over {} samples", hop.label,
            sorted[LOG_EVERY / 2] / 1000, sorted[LOG_EVERY * 9 / 10] / 1000, sorted[LOG_EVERY * 99 / 100] / 1000,
            sorted[LOG_EVERY - 1] / 1000, LOG_EVERY);
      }
    }
  }

  /** Samples of {@code hop} so far. */
  public synchronized long count(Hop hop) {
    long c = 0;
    for (long n : counts[hop.ordinal()]) {
      c += n;
    }
    return c;
  }

  @Override
  public String getPrometheusName() {
    return NAME;
  }

  @Override
  public synchronized MetricSnapshot collect() {
    double[] bounds = Arrays.copyOf(BOUNDS_SECONDS, BOUNDS_SECONDS.length + 1);
    bounds[BOUNDS_SECONDS.length] = Double.POSITIVE_INFINITY;
    HistogramSnapshot.Builder b = HistogramSnapshot.builder().name(NAME)
        .help("a timed terminal keystroke's echo, hop by hop: gateway in, bus to the relay, relay to its writer, sshj write, "
            + "host echo (written to read), reader to the relay loop, coalescing, bus to the gateway, WebSocket write; "
            + "total, and added (total without the host echo)");
    for (Hop hop : Hop.values()) {
      b.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
          .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, counts[hop.ordinal()].clone()))
          .sum(sums[hop.ordinal()] / 1e9)
          .labels(node.add("hop", hop.label))
          .build());
    }
    return b.build();
  }
}
