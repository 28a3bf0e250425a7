package dev.opsbus.metrics;

import dev.opsbus.model.event.NodeMetrics;
import java.time.Instant;

/** NodeMetrics for unit tests, with only the fields a test cares about spelled out. */
final class Samples {

  static final Instant EARLY = Instant.parse("2025-01-01T00:00:00Z");
  static final Instant LATER = Instant.parse("2025-01-01T01:00:00Z");

  private Samples() {
  }

  static NodeMetrics node(String nodeId, String version, Instant startedAt, long seq) {
    return node(nodeId, version, startedAt, seq, 10, 20, 8000, 4000, "metrics");
  }

  static NodeMetrics node(String nodeId, String version, Instant startedAt, long seq,
      double cpu, double systemCpu, long memTotalMb, long memAvailableMb, String verticles) {
    return new NodeMetrics(NodeMetrics.TYPE, startedAt.plusSeconds(seq), seq, nodeId, version, startedAt, seq,
        cpu, systemCpu, 2, 50, 500, 120, memTotalMb, memAvailableMb, 3, 2, 1, 4, 2, 0, verticles,
        verticles.contains(MetricsVerticle.SSH_RELAY_VERTICLE) ? Boolean.TRUE : null);
  }
}
