package dev.opsbus.metrics;

import static dev.opsbus.metrics.Samples.EARLY;
import static dev.opsbus.metrics.Samples.LATER;
import static dev.opsbus.metrics.Samples.node;
import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.event.NodeMetrics;
import org.junit.jupiter.api.Test;

class ClusterViewTest {

  private static final long PERIOD = 1000;

  @Test
  void theLiveNodeWithTheSmallestIdLeads() {
    ClusterView view = new ClusterView("node-b", PERIOD);
    view.accept(node("node-b", "1", EARLY, 1), 0);
    assertThat(view.selfIsLeader()).isTrue();

    view.accept(node("node-a", "1", EARLY, 1), 10);
    assertThat(view.leader()).contains("node-a");
    assertThat(view.selfIsLeader()).isFalse();
  }

  @Test
  void aNodeDoesNotLeadBeforeItsOwnSamplesReachIt() {
    ClusterView view = new ClusterView("node-a", PERIOD);
    view.accept(node("node-b", "1", EARLY, 1), 0);
    assertThat(view.selfIsLeader()).isFalse();
  }

  @Test
  void aNodeSilentForThreePeriodsIsDroppedAndRemembered() {
    ClusterView view = new ClusterView("node-a", PERIOD);
    view.accept(node("node-a", "1", EARLY, 1), 0);
    view.accept(node("node-b", "1", EARLY, 1), 0);
    view.accept(node("node-a", "1", EARLY, 2), 3000);

    assertThat(view.expire(3000)).isEmpty();
    assertThat(view.expire(3001)).containsExactly("node-b");
    assertThat(view.nodes()).extracting(NodeMetrics::nodeId).containsExactly("node-a");
    assertThat(view.recentlyLost(3500)).containsExactly(new ClusterView.LostNode("node-b", 3500));
    assertThat(view.recentlyLostSamples()).extracting(NodeMetrics::nodeId).containsExactly("node-b");
  }

  @Test
  void aLostNodeIsForgottenAfterTheRecentWindowOrWhenItComesBack() {
    ClusterView view = new ClusterView("node-a", PERIOD);
    view.accept(node("node-b", "1", EARLY, 1), 0);
    view.expire(4000);
    assertThat(view.recentlyLost(4000)).hasSize(1);

    view.accept(node("node-b", "1", LATER, 1), 5000);
    assertThat(view.recentlyLost(5000)).isEmpty();

    view.expire(9000);
    long forgottenAfter = (ClusterView.SILENT_PERIODS + ClusterView.RECENT_LOSS_PERIODS) * PERIOD;
    view.expire(5000 + forgottenAfter + 1);
    assertThat(view.recentlyLost(5000 + forgottenAfter + 1)).isEmpty();
  }

  @Test
  void anOlderSampleOfTheSameRunIsIgnoredButARestartIsTaken() {
    ClusterView view = new ClusterView("node-a", PERIOD);
    assertThat(view.accept(node("node-a", "1", EARLY, 5), 0)).isTrue();
    assertThat(view.accept(node("node-a", "1", EARLY, 4), 1)).isFalse();
    assertThat(view.nodes()).extracting(NodeMetrics::seq).containsExactly(5L);

    assertThat(view.accept(node("node-a", "2", LATER, 1), 2)).isTrue();
    assertThat(view.nodes()).extracting(NodeMetrics::version).containsExactly("2");
  }

  @Test
  void theBaselineIsTheMajorityVersionAndOnATieTheVersionOfTheLongestRunningNode() {
    ClusterView view = new ClusterView("node-a", PERIOD);
    view.accept(node("node-z", "1.0", EARLY, 1), 0);
    view.accept(node("node-a", "1.1", LATER, 1), 0);
    assertThat(view.baselineVersion()).contains("1.0");

    view.accept(node("node-b", "1.1", LATER, 1), 0);
    assertThat(view.baselineVersion()).contains("1.1");
  }

  @Test
  void aNewVersionIsReportedUntilMarkedKnownThenNeverAgain() {
    ClusterView view = new ClusterView("node-a", PERIOD);
    view.accept(node("node-a", "1.0", EARLY, 1), 0);
    assertThat(view.unannouncedVersions()).isEmpty();

    view.accept(node("node-c", "1.1", LATER, 1), 0);
    view.accept(node("node-b", "1.1", LATER, 1), 0);
    assertThat(view.unannouncedVersions()).containsExactly(new ClusterView.VersionChange("node-b", "1.0", "1.1"));
    view.markVersionKnown("1.1");
    assertThat(view.unannouncedVersions()).isEmpty();

    // the upgrade completes: the old version coming back is not news
    view.accept(node("node-a", "1.1", LATER, 1), 0);
    view.accept(node("node-d", "1.0", LATER, 1), 0);
    assertThat(view.unannouncedVersions()).isEmpty();
  }

  @Test
  void aVersionAnnouncedByAnotherLeaderIsNotAnnouncedAgain() {
    ClusterView view = new ClusterView("node-a", PERIOD);
    view.accept(node("node-a", "1.0", EARLY, 1), 0);
    view.unannouncedVersions();
    view.markVersionKnown("1.2");
    view.accept(node("node-b", "1.2", LATER, 1), 0);
    assertThat(view.unannouncedVersions()).isEmpty();
  }

  @Test
  void theClusterSeqContinuesFromTheHighestHeard() {
    ClusterView view = new ClusterView("node-b", PERIOD);
    assertThat(view.nextClusterSeq()).isEqualTo(1);
    view.clusterSeqSeen(41);
    view.clusterSeqSeen(7);
    assertThat(view.nextClusterSeq()).isEqualTo(42);
  }
}
