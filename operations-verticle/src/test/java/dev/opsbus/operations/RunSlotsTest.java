package dev.opsbus.operations;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The run slots' order and their rule "starts are answered first": a run submitted while starts are
 * being answered waits for the last answer (or, under answers without a pause, for
 * {@link RunSlots#STARTS_FIRST_MILLIS}), then the waiting runs take the free slots in order.
 */
class RunSlotsTest {

  private long now = 1_000_000;
  private final List<String> ran = new ArrayList<>();

  private Runnable run(String name) {
    return () -> ran.add(name);
  }

  @Test
  void withNoStartBeingAnsweredARunTakesAFreeSlotAtOnceAndTheRestWaitInOrder() {
    RunSlots slots = new RunSlots(2, 10, () -> now);
    RunSlots.Ticket a = slots.submit(run("a"));
    slots.submit(run("b"));
    slots.submit(run("c"));
    slots.submit(run("d"));
    assertThat(ran).containsExactly("a", "b");
    slots.done(a);
    assertThat(ran).containsExactly("a", "b", "c");
    assertThat(slots.running()).isEqualTo(2);
    assertThat(slots.waiting()).isEqualTo(1);
  }

  @Test
  void runsSubmittedWhileStartsAreAnsweredWaitForTheStartsToPauseThenRunInOrder() {
    RunSlots slots = new RunSlots(3, 10, () -> now);
    slots.answerBegan();
    slots.answerBegan();
    slots.submit(run("a"));
    slots.submit(run("b"));
    assertThat(slots.heldBack()).isTrue();
    slots.answerEnded();
    slots.answerEnded();
    slots.fill();
    // answered just now: the burst's next start is probably on its way
    assertThat(ran).isEmpty();
    now += RunSlots.QUIET_MILLIS - 1;
    slots.answerBegan();
    slots.submit(run("c"));
    slots.submit(run("d"));
    slots.answerEnded();
    now += RunSlots.QUIET_MILLIS - 1;
    slots.fill();
    assertThat(ran).isEmpty();
    now += 1;
    // the starts paused: the free slots, in the order the runs came
    slots.fill();
    assertThat(ran).containsExactly("a", "b", "c");
    assertThat(slots.waiting()).isEqualTo(1);
    assertThat(slots.heldBack()).isFalse();
  }

  @Test
  void underAnswersWithoutAPauseRunsWaitNoLongerThanTheLimit() {
    RunSlots slots = new RunSlots(2, 10, () -> now);
    slots.answerBegan();
    slots.submit(run("a"));
    now += RunSlots.STARTS_FIRST_MILLIS - 1;
    slots.fill();
    assertThat(ran).isEmpty();
    assertThat(slots.holding()).isTrue();
    now += 1;
    // the runner's timer calls fill: the time is up, the runs take their slots beside the answers
    slots.fill();
    assertThat(ran).containsExactly("a");
    slots.submit(run("b"));
    assertThat(ran).containsExactly("a", "b");
    // a pause in the answers ends that; the next answers hold runs again
    slots.answerEnded();
    now += RunSlots.QUIET_MILLIS;
    assertThat(slots.holding()).isFalse();
    slots.answerBegan();
    RunSlots.Ticket c = slots.submit(run("c"));
    assertThat(RunSlots.granted(c)).isFalse();
    assertThat(ran).containsExactly("a", "b");
  }

  @Test
  void aSlotFreedWhileStartsAreAnsweredGoesToTheNextRunOnceTheyPause() {
    RunSlots slots = new RunSlots(1, 10, () -> now);
    RunSlots.Ticket a = slots.submit(run("a"));
    slots.submit(run("b"));
    slots.answerBegan();
    slots.done(a);
    assertThat(ran).containsExactly("a");
    assertThat(slots.heldBack()).isTrue();
    slots.answerEnded();
    now += RunSlots.QUIET_MILLIS;
    slots.fill();
    assertThat(ran).containsExactly("a", "b");
  }
}
