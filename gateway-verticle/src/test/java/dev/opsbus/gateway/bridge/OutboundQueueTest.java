package dev.opsbus.gateway.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.PermissionRule.Overflow;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The frames a slow socket has waiting: in order, bounded, and only the newest of a "latest" address. */
class OutboundQueueTest {

  private static List<String> drain(OutboundQueue q) {
    List<String> out = new ArrayList<>();
    for (String f = q.poll(); f != null; f = q.poll()) {
      out.add(f);
    }
    return out;
  }

  @Test
  void framesLeaveInTheOrderTheyCame() {
    OutboundQueue q = new OutboundQueue(10);
    assertThat(q.offer("a", "a1", Overflow.DISCONNECT)).isTrue();
    assertThat(q.offer("b", "b1", Overflow.DISCONNECT)).isTrue();
    assertThat(q.offer("a", "a2", Overflow.DISCONNECT)).isTrue();
    assertThat(q.size()).isEqualTo(3);
    assertThat(drain(q)).containsExactly("a1", "b1", "a2");
    assertThat(q.isEmpty()).isTrue();
    assertThat(q.poll()).isNull();
  }

  @Test
  void aLatestAddressKeepsOnlyItsNewestFrameWaitingAndMovesItToTheBack() {
    OutboundQueue q = new OutboundQueue(10);
    q.offer("metrics", "m1", Overflow.LATEST);
    q.offer("ops", "o1", Overflow.DISCONNECT);
    q.offer("metrics", "m2", Overflow.LATEST);
    q.offer("metrics", "m3", Overflow.LATEST);
    assertThat(drain(q)).containsExactly("o1", "m3");
  }

  @Test
  void pastTheBoundTheQueueSaysTheSocketIsTooSlow() {
    OutboundQueue q = new OutboundQueue(3);
    for (int i = 1; i <= 3; i++) {
      assertThat(q.offer("ops", "o" + i, Overflow.DISCONNECT)).as("frame %d", i).isTrue();
    }
    assertThat(q.offer("ops", "o4", Overflow.DISCONNECT)).isFalse();
  }

  @Test
  void aLatestAddressNeverOverflowsAloneButManyLatestAddressesDo() {
    OutboundQueue q = new OutboundQueue(2);
    for (int i = 0; i < 100; i++) {
      assertThat(q.offer("metrics", "m" + i, Overflow.LATEST)).isTrue();
    }
    assertThat(q.size()).isEqualTo(1);
    assertThat(q.offer("metrics.host.a", "a", Overflow.LATEST)).isTrue();
    assertThat(q.offer("metrics.host.b", "b", Overflow.LATEST)).isFalse();
  }
}
