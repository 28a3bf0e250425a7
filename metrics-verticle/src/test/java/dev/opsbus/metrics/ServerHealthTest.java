package dev.opsbus.metrics;

import static dev.opsbus.metrics.Samples.EARLY;
import static dev.opsbus.metrics.Samples.node;
import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.event.ServerStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServerHealthTest {

  private static final long PERIOD = 2000;

  @Test
  void liveNodesWithinLimitsAreHealthy() {
    ServerHealth.Assessment a = ServerHealth.assess(
        List.of(node("node-a", "1", EARLY, 1), node("node-b", "1", EARLY, 1)), List.of(), PERIOD);
    assertThat(a.status()).isEqualTo(ServerStatus.HEALTHY);
    assertThat(a.message()).isEqualTo("All 2 live nodes are healthy: node-a, node-b.");
  }

  @Test
  void aNodeThatWentSilentMakesTheServerDegradedAndIsNamed() {
    ServerHealth.Assessment a = ServerHealth.assess(
        List.of(node("node-a", "1", EARLY, 1)), List.of(new ClusterView.LostNode("node-b", 6500)), PERIOD);
    assertThat(a.status()).isEqualTo(ServerStatus.DEGRADED);
    assertThat(a.message())
        .contains("node node-b went silent 6.5 s ago")
        .contains("1 node live (node-a)");
  }

  @Test
  void aNodeOverNinetyPercentCpuMakesTheServerDegradedAndIsNamed() {
    ServerHealth.Assessment a = ServerHealth.assess(
        List.of(node("node-a", "1", EARLY, 1, 12, 95, 8000, 4000, "metrics")), List.of(), PERIOD);
    assertThat(a.status()).isEqualTo(ServerStatus.DEGRADED);
    assertThat(a.message()).contains("node node-a CPU is at 95% (over 90%)");
  }

  @Test
  void aNodeWithUnderFivePercentMemoryAvailableMakesTheServerDegradedAndIsNamed() {
    ServerHealth.Assessment a = ServerHealth.assess(
        List.of(node("node-a", "1", EARLY, 1, 12, 20, 8000, 300, "metrics")), List.of(), PERIOD);
    assertThat(a.status()).isEqualTo(ServerStatus.DEGRADED);
    assertThat(a.message()).contains("node node-a has 3.8% of its system memory available (300 of 8000 MB");
  }

  @Test
  void everyProblemIsListedInOneSentence() {
    ServerHealth.Assessment a = ServerHealth.assess(
        List.of(node("node-a", "1", EARLY, 1, 99, 99, 8000, 100, "metrics")),
        List.of(new ClusterView.LostNode("node-c", 7000)), PERIOD);
    assertThat(a.message()).contains("node-c went silent", "node-a CPU", "node-a has 1.3%");
  }
}
