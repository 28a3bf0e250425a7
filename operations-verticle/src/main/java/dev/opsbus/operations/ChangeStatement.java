package dev.opsbus.operations;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The changes of running operations, written in batches: a change on top of the version its writer
 * holds ({@link OperationStore#write}) waits in a queue, and one statement (one round trip, one
 * commit) takes every change that queued while the statements before it ran, up to
 * {@link #MAX_BATCH} (at most {@code parallel} statements at once; a change that finds a free one
 * goes alone, at once). With a thousand operations running, four changes each, the database commits
 * a few dozen times instead of four thousand.
 *
 * <p>Per change the statement does what {@link OperationStore#CHANGE_FROM_SQL} does for one: the
 * update applies only while the row is still the version the writer holds and active, and the new
 * version's snapshot is appended to {@code operation_changes}, which gives its seq. A change whose
 * row moved on is answered "not written" (null) and its writer goes the slower way, on the row as it
 * is. One batch never holds two changes of one operation (each operation has one change in flight,
 * and the batch ends before a second). A batch the database refuses as a whole is written again one
 * change per statement, so a bad change fails alone; a database that went away fails each change,
 * and each operation's {@link ChangeQueue} tries again. Safe to call from any thread: the queue is
 * kept on the context this was made on.
 */
final class ChangeStatement {

  /** The most changes one statement writes. */
  static final int MAX_BATCH = 100;

  /*
   * $1 the batch: a JSON array of objects, one per change (see OperationStore#write). Each row of the
   * answer is a change written: its operation and the seq of its snapshot.
   */
  static final String SQL = "WITH input AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(ord int, id uuid, status text, "
      + "progress int, message text, error text, metadata jsonb, version bigint, updated_at timestamptz, started_at timestamptz, "
      + "completed_at timestamptz, known bigint, snapshot jsonb)), "
      + "upd AS (UPDATE operations o SET status = i.status, progress = i.progress, message = i.message, error = i.error, "
      + "metadata = i.metadata, version = i.version, updated_at = i.updated_at, started_at = i.started_at, "
      + "completed_at = i.completed_at FROM input i "
      + "WHERE o.id = i.id AND o.version = i.known AND o.status IN ('pending', 'in_progress') "
      + "RETURNING o.id, o.host_id, o.version, i.ord, i.snapshot) "
      + "INSERT INTO operation_changes (operation_id, host_id, version, snapshot) "
      + "SELECT id, host_id, version, snapshot FROM upd ORDER BY ord RETURNING operation_id, seq";

  private final Pool pool;
  private final Context context;
  private final int parallel;

  /** A change waiting for its statement: its row of the batch, and its seq (null: not written). */
  private record Pending(UUID id, JsonObject row, Promise<Long> answer) {}

  private final ArrayDeque<Pending> queued = new ArrayDeque<>();
  private int running;
  private long statements;
  private long written;

  /**
   * @param parallel the most statements at once (leave the pool's other connections to the rest of
   *     the verticle: fences, schedules, activity, reads)
   */
  ChangeStatement(Vertx vertx, Pool pool, int parallel) {
    this(vertx.getOrCreateContext(), pool, parallel);
  }

  ChangeStatement(Context context, Pool pool, int parallel) {
    if (parallel < 1) {
      throw new IllegalArgumentException("parallel statements must be at least 1, got " + parallel);
    }
    this.pool = pool;
    this.context = context;
    this.parallel = parallel;
  }

  /**
   * Writes one change: {@code row} holds {@code id}, {@code status}, {@code progress}, {@code message},
   * {@code error}, {@code metadata}, {@code version} (the new one), {@code updated_at},
   * {@code started_at}, {@code completed_at} (ISO instants or null), {@code known} (the version the
   * writer holds) and {@code snapshot}. Answers the seq of the change, or null when the row was no
   * longer that version, or no longer active.
   */
  Future<Long> execute(UUID id, JsonObject row) {
    Promise<Long> answer = Promise.promise();
    Pending p = new Pending(id, row, answer);
    if (Vertx.currentContext() == context) {
      queued.add(p);
      drain();
    } else {
      context.runOnContext(v -> {
        queued.add(p);
        drain();
      });
    }
    return answer.future();
  }

  private void drain() {
    while (running < parallel && !queued.isEmpty()) {
      List<Pending> batch = new ArrayList<>(Math.min(queued.size(), MAX_BATCH));
      Set<UUID> ids = new HashSet<>();
      // a second change of an operation waits for the next statement: one batch, one change each
      while (batch.size() < MAX_BATCH && !queued.isEmpty() && ids.add(queued.peek().id())) {
        batch.add(queued.poll());
      }
      running++;
      write(batch).onComplete(ar -> {
        running--;
        drain();
      });
    }
  }

  private Future<Void> write(List<Pending> batch) {
    JsonArray rows = new JsonArray(new ArrayList<>(batch.size()));
    for (int i = 0; i < batch.size(); i++) {
      // its position in this batch (a change written again alone is at 0 of its own)
      rows.add(batch.get(i).row().put("ord", i));
    }
    return pool.preparedQuery(SQL).execute(Tuple.of(rows)).transform(ar -> {
      if (ar.succeeded()) {
        statements++;
        answer(batch, ar.result());
        return Future.succeededFuture();
      }
      if (batch.size() == 1) {
        batch.get(0).answer().fail(ar.cause());
        return Future.succeededFuture();
      }
      List<Future<Void>> each = new ArrayList<>(batch.size());
      for (Pending p : batch) {
        each.add(write(List.of(p)));
      }
      return Future.join(each).mapEmpty();
    });
  }

  private void answer(List<Pending> batch, RowSet<Row> rows) {
    Map<UUID, Long> seqs = new HashMap<>();
    for (Row r : rows) {
      seqs.put(r.getUUID("operation_id"), r.getLong("seq"));
    }
    written += seqs.size();
    for (Pending p : batch) {
      p.answer().complete(seqs.get(p.id()));
    }
  }

  /** Statements written so far, and the changes they wrote: their ratio is the mean batch. */
  long statements() {
    return statements;
  }

  long written() {
    return written;
  }
}
