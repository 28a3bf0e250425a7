package dev.opsbus.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The throttle's window arithmetic on a clock the test moves (the HTTP behaviour is in LoginThrottleTest). */
class LoginThrottleWindowTest {

  final AtomicLong now = new AtomicLong(1_000_000);
  final LoginThrottle throttle = new LoginThrottle(3, 5, 60_000, now::get);

  @Test
  void theFourthAttemptWaitsForTheRestOfTheWindowAndThenMayTryAgain() {
    for (int i = 0; i < 3; i++) {
      assertThat(throttle.reserve("a", "admin")).isZero();
    }
    now.addAndGet(20_000);
    assertThat(throttle.reserve("a", "admin")).isEqualTo(40);
    now.addAndGet(40_000);
    assertThat(throttle.reserve("a", "admin")).as("a new window").isZero();
  }

  @Test
  void aRightPasswordClearsItsUserAndGivesTheAddressItsSlotBack() {
    for (int i = 0; i < 2; i++) {
      throttle.reserve("a", "admin");
    }
    assertThat(throttle.reserve("a", "admin")).isZero();
    throttle.succeeded("a", "admin");
    assertThat(throttle.reserve("a", "admin")).isZero();
    assertThat(throttle.reserve("a", "admin")).isZero();
    assertThat(throttle.reserve("a", "admin")).isZero();
    assertThat(throttle.reserve("a", "admin")).as("3 per user and address again").isPositive();
  }

  @Test
  void theAddressCapCountsEveryUsernameAndBindsOnlyThatAddress() {
    for (int i = 0; i < 5; i++) {
      assertThat(throttle.reserve("a", "user" + i)).isZero();
    }
    assertThat(throttle.reserve("a", "someone-else")).isPositive();
    assertThat(throttle.reserve("b", "someone-else")).isZero();
  }

  @Test
  void aCheckThatNeverHappenedGivesItsSlotBack() {
    for (int i = 0; i < 3; i++) {
      throttle.reserve("a", "admin");
      throttle.released("a", "admin");
    }
    assertThat(throttle.reserve("a", "admin")).isZero();
  }
}
