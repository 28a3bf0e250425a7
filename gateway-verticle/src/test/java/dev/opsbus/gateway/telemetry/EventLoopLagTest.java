package dev.opsbus.gateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.ErrorCode;
import dev.opsbus.testkit.Await;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The probe on a real event loop: a loop kept busy for 400 ms shows about that much lag, which
 * {@link Overload} turns into {@code event_loop_lag}; once the loop is free again, the recent worst
 * falls back under the threshold.
 */
class EventLoopLagTest {

  static final Duration WAIT = Duration.ofSeconds(10);

  final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    Await.result(vertx.close());
  }

  @Test
  void aBusyLoopShowsItsLagAndOverloadSaysSoUntilItPasses() {
    Context ctx = vertx.getOrCreateContext();
    AtomicReference<EventLoopLag> probe = new AtomicReference<>();
    AtomicInteger connections = new AtomicInteger();
    Overload overload = onLoop(ctx, () -> {
      probe.set(new EventLoopLag(vertx, 50).start());
      return new Overload(probe.get(), Duration.ofMillis(200), connections::get, 3);
    });
    Await.until("a few quiet samples", WAIT, () -> onLoop(ctx, () -> probe.get().lastNanos() >= 0 && overload.reason() == null));

    // the loop is kept busy (as heavy work on it would): the probe's timer fires that much late
    onLoop(ctx, () -> {
      long until = System.nanoTime() + Duration.ofMillis(400).toNanos();
      while (System.nanoTime() < until) {
        Thread.onSpinWait();
      }
      return null;
    });
    Await.until("the lag is seen", WAIT, () -> onLoop(ctx, () -> probe.get().recentMaxNanos() >= Duration.ofMillis(300).toNanos()));
    assertThat(onLoop(ctx, overload::reason)).isEqualTo(Overload.EVENT_LOOP_LAG);

    Await.until("the lag has passed", WAIT, () -> onLoop(ctx, () -> overload.reason() == null));
    connections.set(3);
    assertThat(onLoop(ctx, overload::reason)).as("at the connection cap").isEqualTo(ErrorCode.NODE_FULL.wireName());
    onLoop(ctx, () -> {
      probe.get().stop();
      return null;
    });
  }

  static <T> T onLoop(Context ctx, java.util.function.Supplier<T> work) {
    Promise<T> p = Promise.promise();
    ctx.runOnContext(v -> p.complete(work.get()));
    return Await.result(p.future());
  }
}
