package dev.opsbus.metrics;

import dev.opsbus.model.event.NodeMetrics;
import dev.opsbus.model.event.ServerStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Turns the cluster view into healthy or degraded, with a sentence that says which node and why.
 * "Down" is not decided here: see {@link MetricsVerticle} for the one case it is announced.
 */
final class ServerHealth {

  static final double CPU_LIMIT_PERCENT = 90;
  static final double MEMORY_AVAILABLE_FLOOR_PERCENT = 5;

  /** A status word and the sentence that goes with it. */
  record Assessment(String status, String message) {
  }

  private ServerHealth() {
  }

  static Assessment assess(List<NodeMetrics> nodes, List<ClusterView.LostNode> lost, long periodMillis) {
    List<String> problems = new ArrayList<>();
    for (ClusterView.LostNode l : lost) {
      problems.add(String.format(Locale.ROOT,
          "node %s went silent %s ago (no metrics for %d periods of %s)",
          l.nodeId(), seconds(l.silentForMillis()), ClusterView.SILENT_PERIODS, seconds(periodMillis)));
    }
    for (NodeMetrics n : nodes) {
      // the process share and the machine share can each be the one that is saturated
      double cpu = Math.max(n.cpuPercent(), n.systemCpuPercent());
      if (cpu > CPU_LIMIT_PERCENT) {
        problems.add(String.format(Locale.ROOT, "node %s CPU is at %.0f%% (over %.0f%%)",
            n.nodeId(), cpu, CPU_LIMIT_PERCENT));
      }
      if (n.systemMemoryTotalMb() > 0) {
        double availablePercent = 100.0 * n.systemMemoryAvailableMb() / n.systemMemoryTotalMb();
        if (availablePercent < MEMORY_AVAILABLE_FLOOR_PERCENT) {
          problems.add(String.format(Locale.ROOT,
              "node %s has %.1f%% of its system memory available (%d of %d MB, under %.0f%%)",
              n.nodeId(), availablePercent, n.systemMemoryAvailableMb(), n.systemMemoryTotalMb(),
              MEMORY_AVAILABLE_FLOOR_PERCENT));
        }
      }
    }
    String liveList = nodes.stream().map(NodeMetrics::nodeId).collect(Collectors.joining(", "));
    String liveCount = nodes.size() == 1 ? "1 node live" : nodes.size() + " nodes live";
    if (problems.isEmpty()) {
      return new Assessment(ServerStatus.HEALTHY,
          (nodes.size() == 1 ? "The only live node is healthy: " : "All " + nodes.size() + " live nodes are healthy: ")
              + liveList + ".");
    }
    return new Assessment(ServerStatus.DEGRADED,
        "Degraded: " + String.join("; ", problems) + ". " + liveCount
            + (nodes.isEmpty() ? "." : " (" + liveList + ")."));
  }

  private static String seconds(long millis) {
    return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
  }
}
