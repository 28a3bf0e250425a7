package dev.opsbus.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import dev.opsbus.model.config.ConfigSection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * Configuration of the metrics verticle. The launcher starts from {@link #defaults()}, applies the
 * config file's {@code metrics} section ({@link #fromJson}) and the verticles it deploys
 * ({@link #withVerticles}), and once the node runs, its id, version and start ({@link #forNode}).
 *
 * @param nodeId this node; null until {@link #forNode}
 * @param version the build version; null until {@link #forNode}
 * @param startedAt when the node started; null until {@link #forNode}
 * @param period how often this node samples and publishes {@code metrics.node}
 * @param verticles the verticles deployed on this node, reported in each sample
 */
public record MetricsConfig(String nodeId, String version, Instant startedAt, Duration period, List<String> verticles) {

  public static final Duration DEFAULT_PERIOD = Duration.ofSeconds(2);
  /** Sampling faster than this costs more than the figures are worth. */
  public static final long MIN_PERIOD_MS = 100;

  /** The config file's section for metrics, and its keys. */
  public static final String SECTION = "metrics";
  public static final Set<String> KEYS = Set.of("periodMs");

  public MetricsConfig {
    verticles = List.copyOf(verticles);
    if (period.toMillis() < MIN_PERIOD_MS) {
      throw new IllegalArgumentException("metrics period must be at least " + MIN_PERIOD_MS + " ms, got " + period.toMillis() + " ms");
    }
  }

  /** The default period; no node, version, start or verticles yet. */
  public static MetricsConfig defaults() {
    return new MetricsConfig(null, null, null, DEFAULT_PERIOD, List.of());
  }

  /**
   * The config file's {@code metrics} section over {@code base}: {@code periodMs}, a whole number of
   * at least {@value #MIN_PERIOD_MS}.
   *
   * @throws dev.opsbus.model.config.ConfigException naming the unknown or bad key
   */
  public static MetricsConfig fromJson(JsonNode section, MetricsConfig base) {
    ConfigSection s = ConfigSection.of(SECTION, section, KEYS);
    long period = s.positiveLong("periodMs", base.period.toMillis());
    if (period < MIN_PERIOD_MS) {
      throw s.bad("periodMs", "must be at least " + MIN_PERIOD_MS + ", got " + period);
    }
    return new MetricsConfig(base.nodeId, base.version, base.startedAt, Duration.ofMillis(period), base.verticles);
  }

  public MetricsConfig withPeriod(Duration p) {
    return new MetricsConfig(nodeId, version, startedAt, p, verticles);
  }

  public MetricsConfig withVerticles(List<String> names) {
    return new MetricsConfig(nodeId, version, startedAt, period, names);
  }

  /** This config for one running node. */
  public MetricsConfig forNode(String nodeId, String version, Instant startedAt) {
    return new MetricsConfig(nodeId, version, startedAt, period, verticles);
  }
}
