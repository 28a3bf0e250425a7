package dev.opsbus.gateway.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opsbus.model.Direction;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.PermissionRule;
import dev.opsbus.model.PermissionRules;
import dev.opsbus.model.Principal;
import dev.opsbus.model.ResourceGuard;
import dev.opsbus.model.Role;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Live messages held during a replay come out after it, each once, in order, minus what the replay already had. */
class ReplayBufferTest {

  @Test
  void heldFramesTheReplayAlreadyCarriedAreDroppedTheOthersKeepTheirOrder() {
    ReplayBuffer b = new ReplayBuffer();
    Object t = b.begin("ops.updates.host.h1");
    assertThat(b.isReplaying("ops.updates.host.h1")).isTrue();
    assertThat(b.isReplaying("ops.updates.all")).isFalse();
    assertThat(b.hold("ops.updates.host.h1", "f13", 13L)).isEqualTo(1);
    assertThat(b.hold("ops.updates.host.h1", "no-seq", null)).isEqualTo(2);
    assertThat(b.hold("ops.updates.host.h1", "f14", 14L)).isEqualTo(3);
    assertThat(b.end("ops.updates.host.h1", t, 13L)).containsExactly("no-seq", "f14");
    assertThat(b.isEmpty()).isTrue();
  }

  @Test
  void withNothingReplayedEveryHeldFrameGoesOut() {
    ReplayBuffer b = new ReplayBuffer();
    Object t = b.begin("a");
    b.hold("a", "f1", 1L);
    b.hold("a", "f2", 2L);
    assertThat(b.end("a", t, ReplayBuffer.lastSeq(null))).containsExactly("f1", "f2");
  }

  @Test
  void aReplayCancelledMeanwhileEndsWithNothingToSend() {
    ReplayBuffer b = new ReplayBuffer();
    Object ta = b.begin("a");
    Object tb = b.begin("b");
    b.hold("a", "f1", 1L);
    b.cancel("a");
    assertThat(b.end("a", ta, 0)).isNull();
    assertThat(b.isEmpty()).isFalse();
    assertThat(b.end("b", tb, 0)).isEmpty();
    assertThat(b.isEmpty()).isTrue();
  }

  @Test
  void aResyncDuringAReplayTakesOverWhatItHeldAndOnlyTheNewestAnswerEndsIt() {
    ReplayBuffer b = new ReplayBuffer();
    Object first = b.begin("a");
    b.hold("a", "f1", 1L);
    Object second = b.begin("a");
    b.hold("a", "f2", 2L);
    assertThat(b.end("a", first, 0)).as("the superseded replay's answer").isNull();
    assertThat(b.isReplaying("a")).isTrue();
    assertThat(b.end("a", second, 1L)).containsExactly("f2");
    assertThat(b.isEmpty()).isTrue();
  }

  @Test
  void theLastSeqOfAReplayIsItsHighestAndChangesWithoutOneAreIgnored() {
    JsonArray changes = new JsonArray().add(new JsonObject().put("seq", 11)).add(new JsonObject().put("x", 1))
        .add(new JsonObject().put("seq", 12L)).add("not an object");
    assertThat(ReplayBuffer.lastSeq(changes)).isEqualTo(12L);
    assertThat(ReplayBuffer.lastSeq(new JsonArray())).isEqualTo(Long.MIN_VALUE);
    assertThat(ReplayBuffer.changes(null)).isNull();
    assertThat(ReplayBuffer.changes(new JsonObject())).isEmpty();
    assertThat(ReplayBuffer.seqOf(new JsonObject().put("seq", "7"))).isNull();
  }

  @Test
  void theReplayRequestNamesTheAddressItsPartsAndTheLastSeqSeen() {
    PermissionRules rules = PermissionRules.defaults();
    Principal vera = new Principal("vera", Set.of(Role.VIEWER), Set.of("h1"), Instant.now().plusSeconds(60));
    String address = "ops.updates.host.h1";
    PermissionRule rule = rules.check(vera, Direction.SUBSCRIBE, address, ResourceGuard.NONE).rule();
    assertThat(rule.replay()).isNotNull();

    JsonObject fresh = ReplayBuffer.request(address, rule, null);
    assertThat(fresh.getBoolean("replay")).isTrue();
    assertThat(fresh.getString("address")).isEqualTo(address);
    assertThat(fresh.getString("hostId")).isEqualTo("h1");
    assertThat(fresh.containsKey("sinceSeq")).isFalse();

    assertThat(ReplayBuffer.request(address, rule, new JsonObject().put("sinceSeq", "10")).getLong("sinceSeq")).isEqualTo(10L);
    assertThatThrownBy(() -> ReplayBuffer.request(address, rule, new JsonObject().put("sinceSeq", "yesterday")))
        .isInstanceOfSatisfying(OpsbusException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.INVALID_FRAME);
          assertThat(e.getMessage()).contains("sinceSeq");
        });
  }
}
