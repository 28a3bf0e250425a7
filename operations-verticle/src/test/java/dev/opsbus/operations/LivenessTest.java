package dev.opsbus.operations;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.event.Operation;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The table of who may be declared lost: live members never, nobody during the grace after an outage. */
class LivenessTest {

  private static final Duration BEAT = Duration.ofSeconds(5);
  private static final Duration LOST = Duration.ofSeconds(15);

  private static Operation ownedBy(String node) {
    return new Operation(Operation.TYPE, "00000000-0000-0000-0000-000000000001", "h1", "ssh_test", Operation.IN_PROGRESS, 30, "running",
        null, "user", "otto", node, 3L, null, Map.of(), Map.of(), null, null, null, null);
  }

  @Test
  void aStaleNodeThatIsNotAMemberIsLostAndALiveMemberNeverIs() {
    Liveness l = new Liveness("b", BEAT, LOST);
    assertThat(l.staleOwner(ownedBy("a"), Set.of("b", "c"), 1_000)).isEqualTo(Liveness.Verdict.NODE_LOST);
    assertThat(l.staleOwner(ownedBy("a"), Set.of("a", "b"), 1_000)).isEqualTo(Liveness.Verdict.KEEP);
    // not clustered: the database's heartbeat is all there is
    assertThat(l.staleOwner(ownedBy("a"), null, 1_000)).isEqualTo(Liveness.Verdict.NODE_LOST);
    // this node's own operations are judged by their run, never as lost
    assertThat(l.staleOwner(ownedBy("b"), Set.of("c"), 1_000)).isEqualTo(Liveness.Verdict.KEEP);
  }

  @Test
  void afterAFailedHeartbeatNobodyIsLostUntilEveryoneHadAWholeWindowToBeatAgain() {
    Liveness l = new Liveness("b", BEAT, LOST);
    l.beat(true, 0);
    assertThat(l.inGrace(0)).isFalse();
    l.beat(false, 5_000);
    assertThat(l.staleOwner(ownedBy("a"), Set.of("b"), 6_000)).as("while the database is away").isEqualTo(Liveness.Verdict.KEEP);
    l.beat(false, 10_000);
    l.beat(true, 20_000);
    long graceEnds = 20_000 + LOST.plus(BEAT).toMillis();
    assertThat(l.staleOwner(ownedBy("a"), Set.of("b"), graceEnds - 1)).as("in the grace").isEqualTo(Liveness.Verdict.KEEP);
    assertThat(l.staleOwner(ownedBy("a"), Set.of("b"), graceEnds)).as("after it").isEqualTo(Liveness.Verdict.NODE_LOST);
    // further successful beats do not reopen it
    l.beat(true, graceEnds + 5_000);
    assertThat(l.inGrace(graceEnds + 5_000)).isFalse();
  }

  @Test
  void anOwnOperationWithoutARunHereIsRunLost() {
    Liveness l = new Liveness("b", BEAT, LOST);
    assertThat(l.own(ownedBy("b"), false)).isEqualTo(Liveness.Verdict.RUN_LOST);
    assertThat(l.own(ownedBy("b"), true)).isEqualTo(Liveness.Verdict.KEEP);
    assertThat(l.own(ownedBy("a"), false)).isEqualTo(Liveness.Verdict.KEEP);
  }
}
