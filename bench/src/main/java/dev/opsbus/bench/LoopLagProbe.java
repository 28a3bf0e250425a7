package dev.opsbus.bench;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * How late the generator's own I/O loops run: a task on every loop of the group every
 * {@value #PERIOD_MICROS} µs records how long after its due time it ran. A frame that arrives while
 * the loop works through a batch of sockets waits about as long before it is read and stamped, so
 * this lag is what the generator itself can add to a measured latency. A point is valid only while
 * the lag stays small against the latency limit (see {@link LoadGenerator}); core busy alone said
 * little, since a loop that wakes for every frame is busy without being late.
 */
final class LoopLagProbe implements AutoCloseable {

  static final long PERIOD_MICROS = 2_000;

  private final Recorder recorder = new Recorder(LoadGenerator.MAX_LATENCY_MICROS, 3);
  private final List<ScheduledFuture<?>> tasks = new ArrayList<>();

  LoopLagProbe(EventLoopGroup group) {
    for (EventExecutor loop : group) {
      // fixed rate: the n-th run is due n periods after scheduling (as the loop computes it); a late
      // run shows as lag
      long[] due = {System.nanoTime() + PERIOD_MICROS * 1000};
      tasks.add(loop.scheduleAtFixedRate(() -> {
        long now = System.nanoTime();
        recorder.recordValue(Math.min(LoadGenerator.MAX_LATENCY_MICROS, Math.max(0, (now - due[0]) / 1000)));
        // after a long pause the loop runs the missed periods back to back: their lags fall by one
        // period each, as the wait of a frame that arrived during the pause would
        due[0] += PERIOD_MICROS * 1000;
      }, PERIOD_MICROS, PERIOD_MICROS, TimeUnit.MICROSECONDS));
    }
  }

  /** Starts a new interval: what was recorded so far is dropped. */
  void reset() {
    recorder.getIntervalHistogram();
  }

  /** The lags recorded since the last {@link #reset} or {@code interval}, in µs. */
  Histogram interval() {
    return recorder.getIntervalHistogram();
  }

  @Override
  public void close() {
    tasks.forEach(t -> t.cancel(false));
  }
}
