package dev.opsbus.gateway.telemetry;

import io.vertx.core.Vertx;

/**
 * How late the gateway's event loop runs what it was asked to run: a timer re-armed after every
 * tick measures by how much it fired after its due time. A loop busy with other work (or blocked)
 * delays every socket, request and timer on it by about as much. Keeps the newest sample and the
 * worst of the last {@link #WINDOW} samples, which {@code /ready} compares with its threshold.
 * Started and read on the event loop it measures.
 */
public final class EventLoopLag {

  /** Samples the recent worst is taken over: {@code WINDOW × period} of history. */
  static final int WINDOW = 10;

  private final Vertx vertx;
  private final long periodMs;
  private final long[] recent = new long[WINDOW];
  private int next;
  private long lastNanos;
  private long dueNanos;
  private long timer = -1;
  private boolean stopped;

  public EventLoopLag(Vertx vertx, long periodMs) {
    if (periodMs <= 0) {
      throw new IllegalArgumentException("event loop lag period must be positive, got " + periodMs);
    }
    this.vertx = vertx;
    this.periodMs = periodMs;
  }

  /** Starts measuring on the calling context's event loop. */
  public EventLoopLag start() {
    arm();
    return this;
  }

  public void stop() {
    stopped = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  private void arm() {
    if (stopped) {
      return;
    }
    dueNanos = System.nanoTime() + periodMs * 1_000_000;
    timer = vertx.setTimer(periodMs, id -> tick());
  }

  private void tick() {
    long lag = Math.max(0, System.nanoTime() - dueNanos);
    lastNanos = lag;
    recent[next] = lag;
    next = (next + 1) % WINDOW;
    arm();
  }

  /** The newest sample, in nanoseconds. */
  public long lastNanos() {
    return lastNanos;
  }

  /** The worst of the recent samples, in nanoseconds. */
  public long recentMaxNanos() {
    long max = 0;
    for (long l : recent) {
      max = Math.max(max, l);
    }
    return max;
  }

  public long periodMs() {
    return periodMs;
  }
}
