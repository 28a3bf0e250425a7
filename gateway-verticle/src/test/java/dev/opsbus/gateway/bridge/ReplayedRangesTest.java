package dev.opsbus.gateway.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.Republished;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class ReplayedRangesTest {

  private static final MultiMap REPUBLISHED = MultiMap.caseInsensitiveMultiMap().add(Republished.HEADER, "true");

  private static JsonObject change(long seq) {
    return new JsonObject().put("seq", seq);
  }

  @Test
  void aRepublishedChangeTheReplayCarriedIsDroppedAndOneItDidNotCarryIsNot() {
    ReplayedRanges r = new ReplayedRanges();
    r.carried("ops.updates.host.demo", 10L, 20L);
    assertThat(r.carriedAlready("ops.updates.host.demo", REPUBLISHED, change(15))).isTrue();
    assertThat(r.carriedAlready("ops.updates.host.demo", REPUBLISHED, change(20))).isTrue();
    // at or below sinceSeq: the client said it had those; a republished one there it lacked (it arrived out of order)
    assertThat(r.carriedAlready("ops.updates.host.demo", REPUBLISHED, change(9))).isFalse();
    assertThat(r.carriedAlready("ops.updates.host.demo", REPUBLISHED, change(21))).isFalse();
    assertThat(r.carriedAlready("ops.updates.all", REPUBLISHED, change(15))).as("another address").isFalse();
  }

  @Test
  void aLiveChangeIsNeverDropped() {
    ReplayedRanges r = new ReplayedRanges();
    r.carried("ops.updates.host.demo", null, 20L);
    assertThat(r.carriedAlready("ops.updates.host.demo", MultiMap.caseInsensitiveMultiMap(), change(15))).isFalse();
    assertThat(r.carriedAlready("ops.updates.host.demo", REPUBLISHED, change(15))).as("the current state carried it").isTrue();
  }

  @Test
  void aReplayThatCarriedNothingCoversNothing() {
    ReplayedRanges r = new ReplayedRanges();
    r.carried("ops.updates.host.demo", 10L, Long.MIN_VALUE);
    assertThat(r.carriedAlready("ops.updates.host.demo", REPUBLISHED, change(11))).isFalse();
  }
}
