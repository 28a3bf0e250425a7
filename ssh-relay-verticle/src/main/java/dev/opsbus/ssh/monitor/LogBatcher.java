package dev.opsbus.ssh.monitor;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Batches log lines onto one address as {@code log_lines} messages: at most {@code maxLines} lines
 * per message, and a line waits at most about {@code maxWaitMs} ms. Lines are added from any thread
 * (the relay's tail thread); batches are published on the given context's event loop. Past
 * {@code maxPending} waiting lines the oldest are dropped and the next message says how many.
 *
 * <p>The relay's {@link LogTail} uses it with {@link #MAX_LINES} and {@link #MAX_WAIT_MS}. The
 * benchmarks keep their own copy ({@code bench/BenchLogBatcher}): change both together.
 */
final class LogBatcher {

  /** The relay's batch size: lines per message. */
  static final int MAX_LINES = 10;
  /** The relay's longest wait for a line before its (partial) batch goes out. */
  static final long MAX_WAIT_MS = 100;
  /** The relay's bound on lines waiting for the event loop. */
  static final int MAX_PENDING = 10_000;

  private final Vertx vertx;
  private final Context context;
  private final String address;
  private final String hostId;
  private final String stream;
  private final LongSupplier nextSeq;
  private final int maxLines;
  private final long maxWaitMs;
  private final int maxPending;

  // pending lines: filled by any thread, drained on the event loop
  private final ArrayDeque<String> pending = new ArrayDeque<>();
  private long dropped;
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private final AtomicBoolean stopped = new AtomicBoolean();
  private long flushTimer = -1;
  private final AtomicLong messages = new AtomicLong();
  private final AtomicLong linesPublished = new AtomicLong();
  private final AtomicLong linesDropped = new AtomicLong();
  private java.util.function.LongConsumer onPublished = n -> {};
  private java.util.function.Consumer<JsonObject> onMessage = m -> {};

  /**
   * @param context the event loop batches are published from
   * @param address where {@code log_lines} messages are published ({@code logs.host.<hostId>.<stream>})
   * @param nextSeq the next {@code seq} for the address, called on the event loop
   * @param maxLines lines per message, at least 1 (1: one message per line)
   * @param maxWaitMs the longest a line waits for a fuller batch
   * @param maxPending lines kept waiting before the oldest are dropped
   */
  LogBatcher(Vertx vertx, Context context, String address, String hostId, String stream, LongSupplier nextSeq,
      int maxLines, long maxWaitMs, int maxPending) {
    if (maxLines < 1 || maxWaitMs < 1 || maxPending < maxLines) {
      throw new IllegalArgumentException("need maxLines >= 1, maxWaitMs >= 1 and maxPending >= maxLines");
    }
    this.vertx = vertx;
    this.context = context;
    this.address = address;
    this.hostId = hostId;
    this.stream = stream;
    this.nextSeq = nextSeq;
    this.maxLines = maxLines;
    this.maxWaitMs = maxWaitMs;
    this.maxPending = maxPending;
  }

  /** The relay's batcher: {@link #MAX_LINES} lines or {@link #MAX_WAIT_MS} ms, {@link #MAX_PENDING} waiting. */
  static LogBatcher relayDefaults(Vertx vertx, Context context, String address, String hostId, String stream,
      LongSupplier nextSeq) {
    return new LogBatcher(vertx, context, address, hostId, stream, nextSeq, MAX_LINES, MAX_WAIT_MS, MAX_PENDING);
  }

  /**
   * Called on the event loop after each message with the number of queued lines it accounts for
   * (published and dropped), oldest first: how a tail knows where its published lines end.
   */
  void onPublished(java.util.function.LongConsumer handler) {
    this.onPublished = handler;
  }

  /** Called on the event loop with each message just published (the relay keeps the last lines, {@link LogHistory}). */
  void onMessage(java.util.function.Consumer<JsonObject> handler) {
    this.onMessage = handler;
  }

  /** Any thread: queue a line, wake the event loop when a batch is full or a first line waits. */
  void add(String line) {
    int size;
    synchronized (pending) {
      if (pending.size() >= maxPending) {
        pending.pollFirst();
        dropped++;
        linesDropped.incrementAndGet();
      }
      pending.addLast(line);
      size = pending.size();
    }
    if ((size == 1 || size >= maxLines) && drainScheduled.compareAndSet(false, true)) {
      context.runOnContext(v -> {
        drainScheduled.set(false);
        drain(false);
      });
    }
  }

  /** Any thread: no more timers; lines still waiting are not published. */
  void stop() {
    if (stopped.compareAndSet(false, true)) {
      context.runOnContext(v -> {
        if (flushTimer >= 0) {
          vertx.cancelTimer(flushTimer);
          flushTimer = -1;
        }
      });
    }
  }

  /** Messages published so far. */
  long messages() {
    return messages.get();
  }

  /** Lines published so far (in all messages). */
  long linesPublished() {
    return linesPublished.get();
  }

  /** Lines dropped so far because too many were waiting. */
  long linesDropped() {
    return linesDropped.get();
  }

  /** Event loop: publish full batches; the rest waits for the timer, or goes now when {@code all}. */
  private void drain(boolean all) {
    while (true) {
      List<String> batch = new ArrayList<>(maxLines);
      long lost;
      synchronized (pending) {
        if (pending.isEmpty() || (!all && pending.size() < maxLines)) {
          break;
        }
        while (batch.size() < maxLines && !pending.isEmpty()) {
          batch.add(pending.pollFirst());
        }
        lost = dropped;
        dropped = 0;
      }
      publish(batch, lost);
    }
    boolean waiting;
    synchronized (pending) {
      waiting = !pending.isEmpty();
    }
    if (waiting && flushTimer < 0 && !stopped.get()) {
      flushTimer = vertx.setTimer(maxWaitMs, t -> {
        flushTimer = -1;
        drain(true);
      });
    }
  }

  private void publish(List<String> lines, long lost) {
    JsonObject msg = new JsonObject().put("type", "log_lines").put("ts", Instant.now().toString()).put("hostId", hostId)
        .put("stream", stream).put("seq", nextSeq.getAsLong()).put("lines", new JsonArray(new ArrayList<>(lines)));
    if (lost > 0) {
      msg.put("dropped", lost);
    }
    messages.incrementAndGet();
    linesPublished.addAndGet(lines.size());
    vertx.eventBus().publish(address, msg);
    onMessage.accept(msg);
    onPublished.accept(lines.size() + lost);
  }
}
