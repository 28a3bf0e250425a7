package dev.opsbus.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.wire.SessionSnapshot;
import dev.opsbus.model.wire.SessionStatus;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class LiveSessionsTest {

  private static SessionSnapshot s(String sid, String node, long version, SessionStatus status) {
    return new SessionSnapshot(SessionSnapshot.TYPE, Instant.EPOCH, version, sid, "demo", "ann", node, status, 80, 24, List.of(),
        Instant.EPOCH, null);
  }

  @Test
  void everyStatusButTheEndedOnesIsLive() {
    LiveSessions live = new LiveSessions();
    for (SessionStatus status : SessionStatus.values()) {
      live.accept(s("s-" + status.wireName(), "node-a", 1, status));
    }
    assertThat(live.count()).isEqualTo(3);
    assertThat(live.countOn("node-a")).isEqualTo(3);
  }

  @Test
  void theNewestVersionWinsWhateverOrderSnapshotsArriveIn() {
    LiveSessions live = new LiveSessions();
    assertThat(live.accept(s("s1", "node-a", 2, SessionStatus.ACTIVE))).isTrue();
    assertThat(live.accept(s("s1", "node-a", 1, SessionStatus.CLOSED))).as("an older end").isFalse();
    assertThat(live.count()).isEqualTo(1);
    assertThat(live.accept(s("s1", "node-a", 3, SessionStatus.CLOSED))).isTrue();
    assertThat(live.accept(s("s1", "node-a", 2, SessionStatus.ACTIVE))).as("an older life after the end").isFalse();
    assertThat(live.count()).isZero();
  }

  @Test
  void droppingANodeForgetsOnlyItsSessions() {
    LiveSessions live = new LiveSessions();
    live.accept(s("s1", "node-a", 1, SessionStatus.ACTIVE));
    live.accept(s("s2", "node-b", 1, SessionStatus.ACTIVE));
    live.accept(s("s3", "node-b", 1, SessionStatus.IDLE));
    assertThat(live.nodes()).containsExactly("node-a", "node-b");
    assertThat(live.dropNode("node-b")).isEqualTo(2);
    assertThat(live.count()).isEqualTo(1);
    assertThat(live.countOn("node-b")).isZero();
    assertThat(live.nodes()).containsExactly("node-a");
  }

  @Test
  void aSnapshotWithoutIdOrStatusIsIgnored() {
    LiveSessions live = new LiveSessions();
    assertThat(live.accept(s(null, "node-a", 1, SessionStatus.ACTIVE))).isFalse();
    assertThat(live.accept(s("s1", "node-a", 1, null))).isFalse();
    assertThat(live.count()).isZero();
  }
}
