package dev.opsbus.bench;

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
 * The log-lines scenario's batching: the bench's own copy of what the SSH relay's log tails do
 * (ssh-relay {@code monitor/LogBatcher}, package-private there so production code is not shaped by
 * the bench). Lines come from any thread; {@code log_lines} messages of at most {@code maxLines} lines
 * go out on the context's event loop, a partial batch after {@link #MAX_WAIT_MS}. If the relay's
 * figures or message format change, change them here too, or the scenario measures something else.
 */
final class BenchLogBatcher {

  /** The relay's figures: lines per message, longest wait of a line, lines kept waiting. */
  static final int MAX_LINES = 10;
  static final long MAX_WAIT_MS = 100;
  static final int MAX_PENDING = 10_000;

  private final Vertx vertx;
  private final Context context;
  private final String address;
  private final String hostId;
  private final String stream;
  private final LongSupplier nextSeq;
  private final int maxLines;
  private final ArrayDeque<String> pending = new ArrayDeque<>();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private final AtomicBoolean stopped = new AtomicBoolean();
  private final AtomicLong messages = new AtomicLong();
  private final AtomicLong linesPublished = new AtomicLong();
  private final AtomicLong linesDropped = new AtomicLong();
  private long droppedSinceLast;
  private long flushTimer = -1;

  /**
   * @param nextSeq the next {@code seq} of the address, called on the event loop
   * @param maxLines lines per message: {@link #MAX_LINES} batched as the relay does, 1 for one message per line
   */
  BenchLogBatcher(Vertx vertx, Context context, String address, String hostId, String stream, LongSupplier nextSeq,
      int maxLines) {
    this.vertx = vertx;
    this.context = context;
    this.address = address;
    this.hostId = hostId;
    this.stream = stream;
    this.nextSeq = nextSeq;
    this.maxLines = maxLines;
  }

  /** Any thread: queue a line; wake the event loop when a batch is full or a first line waits. */
  void add(String line) {
    int size;
    synchronized (pending) {
      if (pending.size() >= MAX_PENDING) {
        pending.pollFirst();
        droppedSinceLast++;
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

  long messages() {
    return messages.get();
  }

  long linesPublished() {
    return linesPublished.get();
  }

  long linesDropped() {
    return linesDropped.get();
  }

  /** Event loop: full batches go now; the rest when the timer fires ({@code all}). */
  private void drain(boolean all) {
    boolean waiting;
    while (true) {
      List<String> batch = new ArrayList<>(maxLines);
      long lost;
      synchronized (pending) {
        waiting = !pending.isEmpty();
        if (!waiting || (!all && pending.size() < maxLines)) {
          break;
        }
        while (batch.size() < maxLines && !pending.isEmpty()) {
          batch.add(pending.pollFirst());
        }
        lost = droppedSinceLast;
        droppedSinceLast = 0;
      }
      publish(batch, lost);
    }
    if (waiting && flushTimer < 0 && !stopped.get()) {
      flushTimer = vertx.setTimer(MAX_WAIT_MS, t -> {
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
  }
}
