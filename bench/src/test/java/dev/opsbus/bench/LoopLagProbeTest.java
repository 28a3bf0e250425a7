package dev.opsbus.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The generator's loop-lag probe sees a loop that is held up, as a frame arriving then would wait. */
class LoopLagProbeTest {

  @Test
  void aLoopHeldUpForFiftyMillisecondsShowsAsLagOfAboutThatMuch() throws Exception {
    EventLoopGroup group = NettyTransports.group(1, "lag-test");
    try (LoopLagProbe probe = new LoopLagProbe(group)) {
      awaitRuns(group, 20); // the probe runs every 2 ms
      probe.reset();
      CountDownLatch held = new CountDownLatch(1);
      group.next().execute(() -> {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
        while (System.nanoTime() < until) {
          Thread.onSpinWait(); // the loop is busy, as with a long batch of reads
        }
        held.countDown();
      });
      assertThat(held.await(5, TimeUnit.SECONDS)).isTrue();
      awaitRuns(group, 10);
      Histogram lag = probe.interval();
      // one probe waits at a time: the held-up one, then those after it (no catch-up runs)
      assertThat(lag.getTotalCount()).as("probe runs recorded").isGreaterThanOrEqualTo(2);
      assertThat(lag.getMaxValue()).as("worst lag, µs").isGreaterThanOrEqualTo(45_000);
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }

  /** Waits until the loop has run a task scheduled {@code periods} probe periods from now. */
  private static void awaitRuns(EventLoopGroup group, int periods) throws InterruptedException {
    CountDownLatch ran = new CountDownLatch(1);
    group.next().schedule(ran::countDown, periods * LoopLagProbe.PERIOD_MICROS, TimeUnit.MICROSECONDS);
    assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
  }
}
