package dev.opsbus.metrics;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * @param period how often this node samples and publishes {@code metrics.node}
 * @param verticles the verticles deployed on this node, reported in each sample
 */
public record MetricsConfig(String nodeId, String version, Instant startedAt, Duration period, List<String> verticles) {

  public static final Duration DEFAULT_PERIOD = Duration.ofSeconds(2);

  public MetricsConfig {
    verticles = List.copyOf(verticles);
    if (period.toMillis() < 100) {
      throw new IllegalArgumentException("metrics period must be at least 100 ms, got " + period.toMillis() + " ms");
    }
  }
}
