package dev.opsbus.bench;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.util.function.Consumer;

/**
 * Publishes the bench message at a fixed rate and hands each encoded body to a sink (a broadcast to
 * every client, or a bus publish). Each body is stamped with its scheduled send time on
 * {@link System#nanoTime()} (CLOCK_MONOTONIC on Linux, shared with the generator process), so a
 * publisher that falls behind shows up as latency instead of hiding it. Use it from one event loop.
 */
public final class BroadcastPublisher {

  /** Bytes of a body besides its pad: {@code {"seq":…,"t":…,"pad":""}} with typical numbers. */
  public static final int PAD_OVERHEAD = 48;
  /** The first message is scheduled this long after start, so the reply to start leaves first. */
  public static final long START_LEAD_NANOS = 20_000_000L;

  private final Vertx vertx;
  private final Consumer<String> sink;

  private boolean running;
  private double rate;
  private int size;
  private long durationNanos;
  private long t0;
  private long end;
  private long seq;
  private long maxLagNanos;
  private long timerId = -1;
  private String pad = "";

  public BroadcastPublisher(Vertx vertx, Consumer<String> sink) {
    this.vertx = vertx;
    this.sink = sink;
  }

  /** A started run as the control API reports it. */
  public record Started(double rate, int size, long durationNanos, long t0) {
  }

  /**
   * Starts publishing {@code rate} messages per second of about {@code size} bytes for
   * {@code durationSeconds}; fails when a run is in progress or an argument is out of range.
   */
  public Started start(double rate, int size, double durationSeconds) {
    if (running) {
      throw new IllegalStateException("a run is in progress");
    }
    if (!(rate > 0) || rate > 1_000_000) {
      throw new IllegalArgumentException("rate must be in (0, 1000000] messages per second");
    }
    if (size < 0 || size > 65_536) {
      throw new IllegalArgumentException("size must be in [0, 65536] bytes");
    }
    if (!(durationSeconds > 0) || durationSeconds > 3600) {
      throw new IllegalArgumentException("duration must be in (0, 3600] seconds");
    }
    this.rate = rate;
    this.size = size;
    this.durationNanos = (long) (durationSeconds * 1e9);
    this.pad = "x".repeat(Math.max(0, size - PAD_OVERHEAD));
    this.seq = 0;
    this.maxLagNanos = 0;
    this.t0 = System.nanoTime() + START_LEAD_NANOS;
    this.end = t0 + durationNanos;
    this.running = true;
    schedule(START_LEAD_NANOS);
    return new Started(rate, size, durationNanos, t0);
  }

  public void stop() {
    running = false;
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
      timerId = -1;
    }
  }

  private long scheduledAt(long n) {
    return t0 + (long) Math.floor(n * 1e9 / rate);
  }

  private void schedule(long delayNanos) {
    // Vert.x timers have millisecond resolution: round up and let tick() send everything due
    long delayMs = Math.max(1, (delayNanos + 999_999) / 1_000_000);
    timerId = vertx.setTimer(delayMs, id -> tick());
  }

  private void tick() {
    timerId = -1;
    if (!running) {
      return;
    }
    long now = System.nanoTime();
    while (true) {
      long due = scheduledAt(seq);
      if (due >= end) {
        running = false;
        return;
      }
      if (due > now) {
        break;
      }
      sink.accept(body(seq, due, pad));
      maxLagNanos = Math.max(maxLagNanos, now - due);
      seq++;
    }
    if (now >= end) {
      running = false;
      return;
    }
    schedule(scheduledAt(seq) - System.nanoTime());
  }

  /** The wire body: {@code {"seq":n,"t":scheduledNanos,"pad":"xx…"}}. */
  public static String body(long seq, long t, String pad) {
    return "{\"seq\":" + seq + ",\"t\":" + t + ",\"pad\":\"" + pad + "\"}";
  }

  /** The {@code GET /bench/stats} answer; {@code clients} is what the server counts as subscribed. */
  public JsonObject stats(int clients, String runtime) {
    long now = System.nanoTime();
    long elapsed = Math.max(0, Math.min(now, end) - t0);
    return new JsonObject()
        .put("pid", ProcStats.selfPid())
        .put("runtime", runtime)
        .put("clients", clients)
        .put("running", running)
        .put("rate", rate)
        .put("size", size)
        .put("durationMs", durationNanos / 1_000_000.0)
        .put("t0", t0)
        .put("published", seq)
        .put("achievedRate", durationNanos == 0 ? 0 : seq / (Math.max(elapsed, 1) / 1e9))
        .put("maxLagMs", maxLagNanos / 1e6)
        .put("rssBytes", ProcStats.rssBytes(ProcStats.selfPid()))
        .put("heapUsedBytes", ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
  }
}
