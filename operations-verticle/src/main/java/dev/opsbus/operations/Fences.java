package dev.opsbus.operations;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.BusFailures;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fencing of lost runs. When an operation is failed because its run was lost (its node is gone, or
 * its node holds no run of it), its command may still run on the host: an SSH connection that drops
 * does not stop a command without a terminal. The failing change opens a fence in the same
 * transaction ({@link OperationStore#failFenced}); every node's liveness sweep then works the open
 * fences ({@link #work}): the relay's {@code ssh.exec.fence} stops what is left of the command over a
 * fresh connection, finding its processes by the tag in their environment, and the fence is done
 * when the command is confirmed gone. A start of the same host and type made while a fence is open
 * is accepted as {@code waiting_for_previous} and runs once the fence is done, or when the fencing
 * timeout has passed ({@link #await}).
 */
final class Fences {

  private static final Logger LOG = LoggerFactory.getLogger(Fences.class);
  /** A fence whose last attempt failed is tried again after this long. */
  private static final long RETRY_SECONDS = 5;
  /** Fences are worked for this long at most; after that nothing waits on them any more. */
  private static final long GIVE_UP_SECONDS = 3600;
  private static final long POLL_MS = 250;
  private static final long FENCE_REQUEST_MS = 30_000;

  /** The outcome a waiting start reads when the fencing timeout passed first. */
  static final String TIMED_OUT = "timeout";

  private final Vertx vertx;
  private final Pool pool;
  private final Duration timeout;
  private boolean working;

  Fences(Vertx vertx, Pool pool, Duration timeout) {
    this.vertx = vertx;
    this.pool = pool;
    this.timeout = timeout;
  }

  Duration timeout() {
    return timeout;
  }

  /** The operation whose open fence a new start of this host and type must wait for, if any. */
  Future<Optional<String>> openFor(String hostId, String type) {
    return pool.preparedQuery("SELECT operation_id FROM operation_fences WHERE host_id = $1 AND type = $2 AND done_at IS NULL "
            + "AND created_at > now() - make_interval(secs => $3) ORDER BY created_at DESC LIMIT 1")
        .execute(Tuple.of(hostId, type, (double) timeout.toSeconds()))
        .map(rows -> rows.size() == 0 ? Optional.<String>empty() : Optional.of(rows.iterator().next().getUUID(0).toString()));
  }

  /**
   * Completes with the fence's outcome ({@code killed}, {@code gone}) once it is done, or with
   * {@link #TIMED_OUT} once {@code timeout} has passed since the wait began.
   */
  Future<String> await(String operationId) {
    Promise<String> done = Promise.promise();
    long deadline = System.nanoTime() + timeout.toNanos();
    poll(UUID.fromString(operationId), deadline, done);
    return done.future();
  }

  private void poll(UUID id, long deadline, Promise<String> done) {
    pool.preparedQuery("SELECT done_at IS NOT NULL, outcome FROM operation_fences WHERE operation_id = $1").execute(Tuple.of(id))
        .onComplete(ar -> {
          if (ar.succeeded()) {
            Row row = ar.result().size() == 0 ? null : ar.result().iterator().next();
            if (row == null || row.getBoolean(0)) {
              done.complete(row == null ? "gone" : row.getString(1));
              return;
            }
          }
          if (System.nanoTime() >= deadline) {
            done.complete(TIMED_OUT);
            return;
          }
          vertx.setTimer(POLL_MS, t -> poll(id, deadline, done));
        });
  }

  /**
   * Works the open fences due an attempt (claimed with a row lock, so nodes sweeping at once share
   * them): asks a relay to stop each one's command and records what it found. Never fails.
   */
  Future<Void> work() {
    if (working) {
      return Future.succeededFuture();
    }
    working = true;
    return pool.preparedQuery("UPDATE operation_fences SET attempted_at = now(), attempts = attempts + 1 WHERE operation_id IN ("
            + "SELECT operation_id FROM operation_fences WHERE done_at IS NULL AND outcome IS NULL "
            + "AND (attempted_at IS NULL OR attempted_at < now() - make_interval(secs => $1)) "
            + "AND created_at > now() - make_interval(secs => $2) ORDER BY created_at LIMIT 20 FOR UPDATE SKIP LOCKED) "
            + "RETURNING operation_id, host_id, attempts")
        .execute(Tuple.of((double) RETRY_SECONDS, (double) GIVE_UP_SECONDS))
        .compose(rows -> {
          List<Future<Void>> all = new ArrayList<>();
          for (Row r : rows) {
            all.add(fence(r.getUUID(0), r.getString(1), r.getInteger(2)));
          }
          return Future.join(all).<Void>mapEmpty();
        })
        .otherwiseEmpty()
        .onComplete(v -> working = false);
  }

  private Future<Void> fence(UUID id, String hostId, int attempt) {
    DeliveryOptions opts = new DeliveryOptions().setSendTimeout(FENCE_REQUEST_MS);
    return vertx.eventBus().<JsonObject>request(Addresses.SSH_EXEC_FENCE, new JsonObject().put("hostId", hostId).put("execId", id.toString()), opts)
        .compose(reply -> {
          String outcome = reply.body().getString("outcome", "left");
          boolean confirmed = outcome.equals("killed") || outcome.equals("gone");
          if (confirmed) {
            LOG.info("operation {} on {}: fence done, its command {} (attempt {})", id, hostId,
                outcome.equals("killed") ? "was still running and is stopped" : "was gone already", attempt);
          } else {
            LOG.warn("operation {} on {}: fence could not confirm its command gone ({}, attempt {})", id, hostId, outcome, attempt);
          }
          // unsupported: nothing can ever confirm it, starts wait for the timeout; left: try again
          String recorded = confirmed || outcome.equals("unsupported") ? outcome : null;
          return pool.preparedQuery("UPDATE operation_fences SET outcome = $2, done_at = CASE WHEN $3 THEN now() ELSE NULL END "
                  + "WHERE operation_id = $1")
              .execute(Tuple.of(id, recorded, confirmed)).<Void>mapEmpty();
        })
        .recover(err -> {
          LOG.warn("operation {} on {}: fence attempt {} failed: {}", id, hostId, attempt, BusFailures.explain(err, "SSH relay").getMessage());
          return Future.succeededFuture();
        });
  }
}
