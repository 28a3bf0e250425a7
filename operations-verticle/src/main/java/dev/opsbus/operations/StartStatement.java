package dev.opsbus.operations;

import dev.opsbus.model.Json;
import dev.opsbus.model.event.Operation;
import dev.opsbus.model.wire.StartOperation;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.UUID;

/**
 * Starts of operations, written in batches: each start waits in a queue, and one database statement
 * (one round trip, one transaction) takes every start that arrived while the statements before it
 * ran, up to {@link #MAX_BATCH} (at most {@link #POOL_SIZE} statements run at once; a start that
 * finds a free one goes alone, at once). Per start, the statement does what a start needs: the
 * insert of the pending operation with its first change (version 1, the snapshot built here), the
 * dedupe by the two unique indexes (one active per host and type; one per idempotency scope, host,
 * type and key), the open fence of a lost run of the host and type, and, when the insert is refused,
 * the operation that refused it: the one this idempotency key started first, else the active one.
 *
 * <p>Every part of one statement reads one snapshot, taken when it begins. The insert itself waits
 * for a concurrent change of a conflicting row and then decides on the committed state, but the
 * reads do not see what committed after the snapshot, nor what the same statement inserted. Two
 * cases follow, both rare and both answered by the caller with one more round trip:
 * {@link Found#NONE} (the insert was refused by a row the snapshot does not show, perhaps a start
 * of the same host and type in the same batch: ask again), and {@link Result#contended} (the insert
 * succeeded although the snapshot shows an active operation of the host and type: it ended in the
 * meantime, perhaps failed as lost with a fence the snapshot cannot show: read the fences again,
 * after the commit).
 *
 * <p>A batch the database refuses as a whole (a row breaking a constraint) is written again one
 * start per statement, so a bad start fails alone. Calls come from the operations verticle's
 * context only (the queue is not shared across threads).
 */
final class StartStatement {

  /** What the statement found. */
  enum Found {
    /** The operation was inserted (pending, version 1, its change recorded). */
    INSERTED,
    /** The insert was refused: this scope started an operation with this key on this host and type. */
    KEY,
    /** The insert was refused: another operation of the host and type is active. */
    ACTIVE,
    /** The insert was refused by a row this statement's snapshot does not show: ask again. */
    NONE
  }

  /**
   * @param op the inserted operation (with its change's seq), or the one that refused the insert
   * @param openFence when inserted: the lost operation whose open fence the new one waits for, or null
   * @param contended when inserted: an active operation of the host and type was seen, and ended
   *     while the insert waited (its fence, if any, may not be in {@code openFence})
   * @param published when inserted: {@code op} as published (its snapshot with its seq), built once
   */
  record Result(Found found, Operation op, String openFence, boolean contended, JsonObject published) {

    Result(Found found, Operation op, String openFence, boolean contended) {
      this(found, op, openFence, contended, null);
    }
  }

  /**
   * Connections of the starts' own pool. Starts do not share the verticle's pool with the changes of
   * running operations (a transaction each, several per operation): with hundreds running, a start
   * would wait behind their queue for a connection.
   */
  static final int POOL_SIZE = 4;

  private static final String ACTIVE = "status IN ('pending', 'in_progress')";
  private static final String O_COLUMNS = "o." + OperationStore.COLUMNS.replace(", ", ", o.");
  static final String WAITING_MESSAGE = "waiting to start";

  /** The most starts one statement writes. */
  static final int MAX_BATCH = 100;

  /*
   * $1 the batch: a JSON array of objects, one per start (see Pending#row); $2 this node;
   * $3 fence timeout (s). Each row of the answer carries the start's "ord".
   */
  static final String SQL = "WITH input AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(ord int, id uuid, host_id text, type text, "
      + "created_by text, requested_by text, params jsonb, metadata jsonb, idempotency_key text, idempotency_scope text, "
      + "created_at timestamptz, snapshot jsonb)), "
      + "ins AS (INSERT INTO operations (id, host_id, type, status, progress, message, created_by, requested_by, node_id, params, metadata, "
      + "idempotency_key, idempotency_scope, created_at, updated_at) "
      + "SELECT id, host_id, type, 'pending', 0, '" + WAITING_MESSAGE + "', created_by, requested_by, $2, params, metadata, "
      + "idempotency_key, idempotency_scope, created_at, created_at FROM input ORDER BY ord "
      + "ON CONFLICT DO NOTHING RETURNING id, host_id, version), "
      + "chg AS (INSERT INTO operation_changes (operation_id, host_id, version, snapshot) "
      + "SELECT ins.id, ins.host_id, ins.version, i.snapshot FROM ins JOIN input i ON i.id = ins.id ORDER BY i.ord "
      + "RETURNING operation_id, seq) "
      + "SELECT i.ord, 'inserted' AS found, c.seq, "
      + "(SELECT f.operation_id FROM operation_fences f WHERE f.host_id = i.host_id AND f.type = i.type AND f.done_at IS NULL "
      + "AND f.created_at > now() - make_interval(secs => $3) ORDER BY f.created_at DESC LIMIT 1) AS fence, "
      + "EXISTS (SELECT 1 FROM operations a WHERE a.host_id = i.host_id AND a.type = i.type AND a." + ACTIVE + ") AS contended, "
      + O_COLUMNS + " FROM input i JOIN chg c ON c.operation_id = i.id LEFT JOIN operations o ON false "
      + "UNION ALL (SELECT i.ord, 'key', NULL, NULL, NULL, " + O_COLUMNS + " FROM input i JOIN operations o "
      + "ON o.idempotency_scope = i.idempotency_scope AND o.host_id = i.host_id AND o.type = i.type AND o.idempotency_key = i.idempotency_key "
      + "WHERE i.idempotency_key IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ins WHERE ins.id = i.id)) "
      + "UNION ALL (SELECT i.ord, 'active', NULL, NULL, NULL, " + O_COLUMNS + " FROM input i JOIN operations o "
      + "ON o.host_id = i.host_id AND o.type = i.type AND o." + ACTIVE + " WHERE NOT EXISTS (SELECT 1 FROM ins WHERE ins.id = i.id))";

  private final Pool pool;
  private final String nodeId;
  private final Duration fencingTimeout;

  /** The most statements at once: {@link #POOL_SIZE} (the tests take fewer, to see batches form). */
  private final int parallel;

  StartStatement(Pool pool, String nodeId, Duration fencingTimeout) {
    this(pool, nodeId, fencingTimeout, POOL_SIZE);
  }

  StartStatement(Pool pool, String nodeId, Duration fencingTimeout, int parallel) {
    this.pool = pool;
    this.parallel = parallel;
    this.nodeId = nodeId;
    this.fencingTimeout = fencingTimeout;
  }

  /** A start waiting for its statement: its row of the batch, and what it is answered. */
  private record Pending(Operation op, JsonObject snapshot, JsonObject row, Promise<Result> answer) {}

  private final ArrayDeque<Pending> queued = new ArrayDeque<>();
  private int running;
  private long statements;
  private long written;

  /**
   * Starts {@code start} (parameters, creator and requester settled by the service) on this node,
   * its idempotency key kept under {@code scope} (see {@link IdempotencyScope}).
   */
  Future<Result> execute(StartOperation start, String scope) {
    UUID id = UUID.randomUUID();
    // the operation's times come from here, so its first snapshot is built before the statement
    // (microseconds: what the database keeps)
    Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
    JsonObject params = new JsonObject(start.params() == null ? new LinkedHashMap<>() : new LinkedHashMap<>(start.params()));
    JsonObject metadata = start.metadata() == null ? new JsonObject() : new JsonObject(new LinkedHashMap<>(start.metadata()));
    Operation op = new Operation(Operation.TYPE, id.toString(), start.hostId(), start.type(), Operation.PENDING, 0, WAITING_MESSAGE,
        null, start.createdBy(), start.requestedBy(), nodeId, 1, null, params.getMap(), metadata.getMap(), now, null, now, null);
    String key = start.idempotencyKey();
    JsonObject snapshot = Json.toJsonObject(op);
    JsonObject row = new JsonObject().put("id", op.id()).put("host_id", start.hostId()).put("type", start.type())
        .put("created_by", start.createdBy()).put("requested_by", start.requestedBy()).put("params", params).put("metadata", metadata)
        .put("idempotency_key", key).put("idempotency_scope", key == null ? null : scope).put("created_at", now.toString())
        .put("snapshot", snapshot);
    Promise<Result> answer = Promise.promise();
    queued.add(new Pending(op, snapshot, row, answer));
    drain();
    return answer.future();
  }

  /** Sends the queued starts, as many statements as may run, each taking what has queued up. */
  private void drain() {
    while (running < parallel && !queued.isEmpty()) {
      List<Pending> batch = new ArrayList<>(Math.min(queued.size(), MAX_BATCH));
      while (batch.size() < MAX_BATCH && !queued.isEmpty()) {
        batch.add(queued.poll());
      }
      running++;
      write(batch).onComplete(ar -> {
        running--;
        drain();
      });
    }
  }

  /** Writes one batch and answers its starts; a batch refused whole is written again one by one. */
  private Future<Void> write(List<Pending> batch) {
    JsonArray rows = new JsonArray(new ArrayList<>(batch.size()));
    for (int i = 0; i < batch.size(); i++) {
      // its position in this batch (a start written again alone is at 0 of its own)
      rows.add(batch.get(i).row().put("ord", i));
    }
    Tuple args = Tuple.of(rows, nodeId, (double) fencingTimeout.toSeconds());
    return pool.preparedQuery(SQL).execute(args).transform(ar -> {
      if (ar.succeeded()) {
        statements++;
        written += batch.size();
        answer(batch, ar.result());
        return Future.succeededFuture();
      }
      if (batch.size() == 1) {
        batch.get(0).answer().fail(ar.cause());
        return Future.succeededFuture();
      }
      // one row broke a constraint, or the database is gone: each start on its own, so only the bad
      // one fails (a database that went away fails each at once)
      List<Future<Void>> each = new ArrayList<>(batch.size());
      for (Pending p : batch) {
        each.add(write(List.of(p)));
      }
      return Future.join(each).mapEmpty();
    });
  }

  private static void answer(List<Pending> batch, RowSet<Row> rows) {
    Row[] key = new Row[batch.size()];
    Row[] active = new Row[batch.size()];
    boolean[] done = new boolean[batch.size()];
    for (Row r : rows) {
      int ord = r.getInteger("ord");
      Pending p = batch.get(ord);
      String found = r.getString("found");
      if ("inserted".equals(found)) {
        Long seq = r.getLong("seq");
        UUID fence = r.getUUID("fence");
        // the statement has run: the snapshot it was given is the published form, with the seq
        done[ord] = true;
        p.answer().complete(new Result(Found.INSERTED, seq == null ? p.op() : p.op().withSeq(seq), fence == null ? null : fence.toString(),
            Boolean.TRUE.equals(r.getBoolean("contended")), seq == null ? p.snapshot() : p.snapshot().put("seq", seq)));
      } else if ("key".equals(found) && key[ord] == null) {
        key[ord] = r;
      } else if ("active".equals(found) && active[ord] == null) {
        active[ord] = r;
      }
    }
    for (int i = 0; i < batch.size(); i++) {
      if (done[i]) {
        continue;
      }
      Promise<Result> answer = batch.get(i).answer();
      if (key[i] != null) {
        answer.complete(new Result(Found.KEY, OperationStore.toOperation(key[i]), null, false));
      } else if (active[i] != null) {
        answer.complete(new Result(Found.ACTIVE, OperationStore.toOperation(active[i]), null, false));
      } else {
        answer.complete(new Result(Found.NONE, null, null, false));
      }
    }
  }

  /** Statements written so far, and the starts they held: their ratio is the mean batch. */
  long statements() {
    return statements;
  }

  long written() {
    return written;
  }
}
