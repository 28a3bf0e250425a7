package dev.opsbus.model.event;

import java.time.Instant;
import java.util.List;

/** The aggregate over every live node, published on {@code metrics.cluster}. */
public record ClusterMetrics(
    String type,
    Instant ts,
    long seq,
    int nodeCount,
    int connections,
    int sshSessions,
    int relaysOnline,
    int relaysTotal,
    double cpuPercentAvg,
    long rssMbTotal,
    List<NodeMetrics> nodes) {

  public static final String TYPE = "cluster_metrics";
}
