package dev.opsbus.operations;

import dev.opsbus.model.event.Operation;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The changes of one running operation, written one after the other so versions and published
 * snapshots come out in order. A write the database refuses (it is restarting, or away) is tried
 * again with a backoff that doubles up to {@link #MAX_BACKOFF} until it is written: a change is
 * never dropped, so an operation that ended while the database was away ends in the database as
 * soon as it is back. While a write keeps failing, newer changes are merged into one (the latest
 * status, progress and message win), so an outage holds one pending change, not thousands. A write
 * is one statement on top of the version this queue last wrote ({@link OperationStore#changeFrom}).
 */
final class ChangeQueue {

  static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
  private static final Logger LOG = LoggerFactory.getLogger(ChangeQueue.class);
  private static final long REPEAT_WARNING_MS = 60_000;

  /** One change: null fields keep what the operation had; {@code meta} is merged into its metadata. */
  record Change(String status, Integer progress, String message, String error, JsonObject meta) {

    Change mergedWith(Change later) {
      JsonObject merged = meta == null ? new JsonObject() : meta.copy();
      if (later.meta != null) {
        merged.mergeIn(later.meta);
      }
      return new Change(later.status != null ? later.status : status, later.progress != null ? later.progress : progress,
          later.message != null ? later.message : message, later.error != null ? later.error : error, merged);
    }
  }

  private final Vertx vertx;
  private final OperationStore store;
  private final OperationEvents events;
  private final UUID operationId;
  /** The operation as last written (or as started): the version a change is written on top of. */
  private Operation known;
  private final ArrayDeque<Change> queued = new ArrayDeque<>();
  private final List<Promise<Void>> drainWaiters = new ArrayList<>();
  /** The change being written, or waiting to be tried again; null when idle. */
  private Change inFlight;
  private int failures;
  private long firstFailureAt;
  private long lastWarningAt;
  private long retryTimer = -1;
  private boolean closed;

  ChangeQueue(Vertx vertx, OperationStore store, OperationEvents events, Operation op) {
    this.vertx = vertx;
    this.store = store;
    this.events = events;
    this.operationId = UUID.fromString(op.id());
    this.known = op;
  }

  void add(Change change) {
    if (closed) {
      return;
    }
    // never merged into the change in flight: its write may already have landed
    if (failures > 0 && !queued.isEmpty()) {
      queued.addLast(queued.pollLast().mergedWith(change));
    } else {
      queued.addLast(change);
    }
    if (inFlight == null) {
      writeNext();
    }
  }

  /** Completes once every change added so far is written (or the queue was closed). */
  Future<Void> drained() {
    if (closed || (inFlight == null && queued.isEmpty())) {
      return Future.succeededFuture();
    }
    Promise<Void> p = Promise.promise();
    drainWaiters.add(p);
    return p.future();
  }

  /** Stops writing and retrying: the verticle is stopping; another node's sweep ends what is left. */
  void close() {
    closed = true;
    if (retryTimer >= 0) {
      vertx.cancelTimer(retryTimer);
      retryTimer = -1;
    }
    int lost = queued.size() + (inFlight == null ? 0 : 1);
    if (lost > 0) {
      LOG.warn("operation {}: {} change(s) not recorded: this node is stopping", operationId, lost);
    }
    queued.clear();
    inFlight = null;
    wakeDrainWaiters();
  }

  private void writeNext() {
    inFlight = queued.pollFirst();
    if (closed || inFlight == null) {
      wakeDrainWaiters();
      return;
    }
    write();
  }

  private void write() {
    Change next = inFlight;
    store.write(known, next.status(), next.progress(), next.message(), next.error(), next.meta()).onComplete(ar -> {
      if (closed) {
        return;
      }
      if (ar.succeeded()) {
        if (failures > 0) {
          LOG.info("operation {}: change recorded after {} failed attempt(s) over {} ms", operationId, failures,
              System.currentTimeMillis() - firstFailureAt);
        }
        failures = 0;
        ar.result().ifPresent(written -> {
          known = written.op();
          if (written.published() == null) {
            events.changed(written.op());
          } else {
            events.changed(written.op(), written.published());
          }
        });
        writeNext();
      } else {
        retryLater(ar.cause());
      }
    });
  }

  private void retryLater(Throwable err) {
    long now = System.currentTimeMillis();
    if (failures == 0) {
      firstFailureAt = now;
    }
    failures++;
    if (failures == 1 || now - lastWarningAt >= REPEAT_WARNING_MS) {
      lastWarningAt = now;
      LOG.warn("operation {}: could not record a change ({} attempt(s) so far), retrying until the database takes it: {}",
          operationId, failures, err.getMessage());
    }
    long delay = Math.min(MAX_BACKOFF.toMillis(), FIRST_BACKOFF.toMillis() << Math.min(failures - 1, 16));
    retryTimer = vertx.setTimer(delay, t -> {
      retryTimer = -1;
      write();
    });
  }

  private void wakeDrainWaiters() {
    List<Promise<Void>> waiters = new ArrayList<>(drainWaiters);
    drainWaiters.clear();
    waiters.forEach(Promise::complete);
  }

  /** The change that ends an operation with {@code status}: full progress when it completed. */
  static Change finishing(String status, String message, String error, JsonObject meta) {
    return new Change(status, Operation.COMPLETED.equals(status) ? 100 : null, message, error, meta);
  }
}
