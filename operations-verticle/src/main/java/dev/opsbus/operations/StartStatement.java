package dev.opsbus.operations;

import dev.opsbus.model.Json;
import dev.opsbus.model.event.Operation;
import dev.opsbus.model.wire.StartOperation;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.UUID;

/**
 * A start of an operation in one database statement (one round trip): the insert of the pending
 * operation with its first change (version 1, the snapshot built here), the dedupe by the two
 * unique indexes (one active per host and type; one per idempotency scope, host, type and key), the
 * open fence of a lost run of the host and type, and, when the insert is refused, the operation that
 * refused it: the one this idempotency key started first, else the active one.
 *
 * <p>Every part of one statement reads one snapshot, taken when it begins. The insert itself waits
 * for a concurrent change of a conflicting row and then decides on the committed state, but the
 * reads do not see what committed after the snapshot. Two cases follow, both rare and both answered
 * by the caller with one more round trip: {@link Found#NONE} (the insert was refused by a row the
 * snapshot does not show: ask again), and {@link Result#contended} (the insert succeeded although
 * the snapshot shows an active operation of the host and type: it ended in the meantime, perhaps
 * failed as lost with a fence the snapshot cannot show: read the fences again, after the commit).
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

  /*
   * $1 id, $2 host, $3 type, $4 created_by, $5 requested_by, $6 node, $7 params, $8 metadata,
   * $9 idempotency key, $10 its scope, $11 created_at, $12 the snapshot of version 1, $13 fence timeout (s)
   */
  static final String SQL = "WITH ins AS ("
      + "INSERT INTO operations (id, host_id, type, status, progress, message, created_by, requested_by, node_id, params, metadata, "
      + "idempotency_key, idempotency_scope, created_at, updated_at) "
      + "VALUES ($1, $2, $3, 'pending', 0, '" + WAITING_MESSAGE + "', $4, $5, $6, $7, $8, $9, $10, $11, $11) "
      + "ON CONFLICT DO NOTHING RETURNING id, host_id, version), "
      + "chg AS (INSERT INTO operation_changes (operation_id, host_id, version, snapshot) "
      + "SELECT id, host_id, version, $12::jsonb FROM ins RETURNING seq), "
      + "fence AS (SELECT operation_id FROM operation_fences WHERE host_id = $2 AND type = $3 AND done_at IS NULL "
      + "AND created_at > now() - make_interval(secs => $13) ORDER BY created_at DESC LIMIT 1) "
      + "SELECT 'inserted' AS found, (SELECT seq FROM chg) AS seq, (SELECT operation_id FROM fence) AS fence, "
      + "EXISTS (SELECT 1 FROM operations WHERE host_id = $2 AND type = $3 AND " + ACTIVE + ") AS contended, " + O_COLUMNS + " "
      + "FROM ins LEFT JOIN operations o ON false "
      + "UNION ALL (SELECT 'key', NULL, NULL, NULL, " + O_COLUMNS + " FROM operations o WHERE NOT EXISTS (SELECT 1 FROM ins) "
      + "AND $9::text IS NOT NULL AND o.idempotency_scope = $10 AND o.host_id = $2 AND o.type = $3 AND o.idempotency_key = $9) "
      + "UNION ALL (SELECT 'active', NULL, NULL, NULL, " + O_COLUMNS + " FROM operations o WHERE NOT EXISTS (SELECT 1 FROM ins) "
      + "AND o.host_id = $2 AND o.type = $3 AND o." + ACTIVE + ")";

  private final Pool pool;
  private final Duration fencingTimeout;

  StartStatement(Pool pool, Duration fencingTimeout) {
    this.pool = pool;
    this.fencingTimeout = fencingTimeout;
  }

  /**
   * Starts {@code start} (parameters, creator and requester settled by the service) for this node,
   * its idempotency key kept under {@code scope} (see {@link IdempotencyScope}).
   */
  Future<Result> execute(StartOperation start, String nodeId, String scope) {
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
    Tuple args = Tuple.tuple().addUUID(id).addString(start.hostId()).addString(start.type()).addString(start.createdBy())
        .addString(start.requestedBy()).addString(nodeId).addValue(params).addValue(metadata)
        .addString(key).addString(key == null ? null : scope).addOffsetDateTime(OffsetDateTime.ofInstant(now, ZoneOffset.UTC))
        .addValue(snapshot).addValue((double) fencingTimeout.toSeconds());
    return pool.preparedQuery(SQL).execute(args).map(rows -> {
      Row first = null;
      Row active = null;
      for (Row r : rows) {
        String found = r.getString("found");
        if ("inserted".equals(found)) {
          Long seq = r.getLong("seq");
          java.util.UUID fence = r.getUUID("fence");
          // the statement has run: the snapshot it was given is the published form, with the seq
          return new Result(Found.INSERTED, seq == null ? op : op.withSeq(seq), fence == null ? null : fence.toString(),
              Boolean.TRUE.equals(r.getBoolean("contended")), seq == null ? snapshot : snapshot.put("seq", seq));
        }
        if ("key".equals(found) && first == null) {
          first = r;
        } else if ("active".equals(found) && active == null) {
          active = r;
        }
      }
      if (first != null) {
        return new Result(Found.KEY, OperationStore.toOperation(first), null, false);
      }
      if (active != null) {
        return new Result(Found.ACTIVE, OperationStore.toOperation(active), null, false);
      }
      return new Result(Found.NONE, null, null, false);
    });
  }
}
