package dev.opsbus.bench;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
  private final Map<EventExecutor, ScheduledFuture<?>> tasks = new ConcurrentHashMap<>();
  private volatile boolean closed;

  LoopLagProbe(EventLoopGroup group) {
    for (EventExecutor loop : group) {
      schedule(loop);
    }
  }

  /**
   * One probe at a time per loop, each scheduled a period after the last one ran: its lag is how long
   * after its due time the loop got to it. (A fixed-rate task would be wrong here: a loop runs at most
   * one overdue run of it per turn, so with turns longer than the period its lag adds up to seconds
   * that no frame waited.)
   */
  private void schedule(EventExecutor loop) {
    if (closed) {
      return;
    }
    long due = System.nanoTime() + PERIOD_MICROS * 1000;
    ScheduledFuture<?> next = loop.schedule(() -> {
      long lateMicros = (System.nanoTime() - due) / 1000;
      recorder.recordValue(Math.min(LoadGenerator.MAX_LATENCY_MICROS, Math.max(0, lateMicros)));
      schedule(loop);
    }, PERIOD_MICROS, TimeUnit.MICROSECONDS);
    tasks.put(loop, next);
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
    closed = true;
    tasks.values().forEach(t -> t.cancel(false));
  }
}
