package dev.opsbus.gateway.telemetry;

import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.concurrent.atomic.LongAdder;

/**
 * A Prometheus histogram of durations with fixed buckets, recorded on the hot path of delivery
 * without a lock: one compare per bucket up to the first that fits, and two striped additions
 * ({@link LongAdder}: every accept loop records its own sockets' deliveries, and an adder's cells
 * keep them off each other's cache line). Not a Micrometer {@code Timer}: that one pays a sliding
 * maximum per sample too, and a fan-out to 10k sockets records 10k samples per message.
 */
public final class LatencyHistogram implements Collector {

  /** Upper bounds in seconds; the last bucket, {@code +Inf}, is implied. */
  static final double[] BOUNDS_SECONDS = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  private final String name;
  private final String help;
  private final Labels labels;
  private final long[] boundsNanos = new long[BOUNDS_SECONDS.length];
  /** Per bucket, not cumulative; the last slot is {@code +Inf}. */
  private final LongAdder[] counts = new LongAdder[BOUNDS_SECONDS.length + 1];
  private final LongAdder sumNanos = new LongAdder();

  /** @param name the Prometheus name, unit included ({@code ..._seconds}) */
  public LatencyHistogram(String name, String help, Labels labels) {
    this.name = name;
    this.help = help;
    this.labels = labels;
    for (int i = 0; i < BOUNDS_SECONDS.length; i++) {
      boundsNanos[i] = Math.round(BOUNDS_SECONDS[i] * 1e9);
    }
    for (int i = 0; i < counts.length; i++) {
      counts[i] = new LongAdder();
    }
  }

  /** One sample; a negative duration (a clock that stepped) counts as zero. */
  public void record(long nanos) {
    long n = Math.max(0, nanos);
    int i = 0;
    while (i < boundsNanos.length && n > boundsNanos[i]) {
      i++;
    }
    counts[i].increment();
    sumNanos.add(n);
  }

  public long count() {
    long c = 0;
    for (LongAdder n : counts) {
      c += n.sum();
    }
    return c;
  }

  @Override
  public String getPrometheusName() {
    return name;
  }

  @Override
  public MetricSnapshot collect() {
    double[] bounds = new double[BOUNDS_SECONDS.length + 1];
    System.arraycopy(BOUNDS_SECONDS, 0, bounds, 0, BOUNDS_SECONDS.length);
    bounds[BOUNDS_SECONDS.length] = Double.POSITIVE_INFINITY;
    return HistogramSnapshot.builder().name(name).help(help)
        .dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
            .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, java.util.Arrays.stream(counts).mapToLong(LongAdder::sum).toArray()))
            .sum(sumNanos.sum() / 1e9)
            .labels(labels)
            .build())
        .build();
  }
}
