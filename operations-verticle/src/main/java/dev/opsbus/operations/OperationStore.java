package dev.opsbus.operations;

import dev.opsbus.model.Json;
import dev.opsbus.model.event.Operation;
import dev.opsbus.model.wire.StartOperation;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Operations in PostgreSQL. Every change bumps the operation's {@code version} and appends the new
 * snapshot to {@code operation_changes} in the same transaction, which gives it its global
 * {@code seq}. Only active operations change: an update of a finished one changes nothing.
 */
public final class OperationStore {

  static final String COLUMNS = "id, host_id, type, status, progress, message, error, created_by, requested_by, node_id, version, "
      + "params, metadata, created_at, started_at, updated_at, completed_at";

  private final Pool pool;
  /** The changes of running operations in batches; null: each change its own statement. */
  private final ChangeStatement changes;

  public OperationStore(Pool pool) {
    this(pool, null);
  }

  OperationStore(Pool pool, ChangeStatement changes) {
    this.pool = pool;
    this.changes = changes;
  }

  Pool pool() {
    return pool;
  }

  /**
   * A new pending operation for a start whose parameters, creator and requester the service has
   * settled, or empty when one is already active for that host and type.
   */
  public Future<Optional<Operation>> insertIfNone(StartOperation start, String nodeId) {
    return insertIfNone(start, nodeId, null);
  }

  /**
   * As {@link #insertIfNone(StartOperation, String)}, the start's idempotency key stored under
   * {@code scope} (see {@link IdempotencyScope}); empty also when that scope used the key on that host
   * and type already.
   */
  public Future<Optional<Operation>> insertIfNone(StartOperation start, String nodeId, String scope) {
    return pool.withTransaction(conn -> conn.preparedQuery("INSERT INTO operations (id, host_id, type, status, progress, message, created_by, "
            + "requested_by, node_id, params, metadata, idempotency_key, idempotency_scope) "
            + "VALUES ($1, $2, $3, 'pending', 0, 'waiting to start', $4, $5, $6, $7, $8, $9, $10) "
            + "ON CONFLICT DO NOTHING RETURNING " + COLUMNS)
        .execute(Tuple.tuple().addUUID(UUID.randomUUID()).addString(start.hostId()).addString(start.type()).addString(start.createdBy())
            .addString(start.requestedBy()).addString(nodeId)
            .addValue(new JsonObject(start.params() == null ? new LinkedHashMap<>() : new LinkedHashMap<>(start.params())))
            .addValue(start.metadata() == null ? new JsonObject() : new JsonObject(new LinkedHashMap<>(start.metadata())))
            .addString(start.idempotencyKey()).addString(start.idempotencyKey() == null ? null : scope))
        .compose(rows -> rows.size() == 0 ? Future.succeededFuture(Optional.<Operation>empty())
            : record(conn, toOperation(rows.iterator().next())).map(Optional::of)));
  }

  /** The active operation of a host and type, if any. */
  public Future<Optional<Operation>> active(String hostId, String type) {
    return one("SELECT " + COLUMNS + " FROM operations WHERE host_id = $1 AND type = $2 AND status IN ('pending', 'in_progress')",
        Tuple.of(hostId, type));
  }

  /** The operation {@code scope} started with {@code key} on that host and type, if any. */
  public Future<Optional<Operation>> byIdempotencyKey(String scope, String hostId, String type, String key) {
    return one("SELECT " + COLUMNS + " FROM operations WHERE idempotency_scope = $1 AND host_id = $2 AND type = $3 AND idempotency_key = $4",
        Tuple.of(scope, hostId, type, key));
  }

  public Future<Optional<Operation>> get(UUID id) {
    return one("SELECT " + COLUMNS + " FROM operations WHERE id = $1", Tuple.of(id));
  }

  private Future<Optional<Operation>> one(String sql, Tuple args) {
    return pool.preparedQuery(sql).execute(args)
        .map(rows -> rows.size() == 0 ? Optional.<Operation>empty() : Optional.of(toOperation(rows.iterator().next())));
  }

  /** A change to an active operation; empty when it is no longer active (someone finished it first). */
  public Future<Optional<Operation>> change(UUID id, String status, Integer progress, String message, String error, JsonObject metadataPatch) {
    return change(id, status, progress, message, error, metadataPatch, false);
  }

  /*
   * $1 id, $2 status, $3 progress, $4 message, $5 error, $6 metadata, $7 the new version, $8 updated_at,
   * $9 started_at, $10 completed_at, $11 the version the caller knows, $12 the snapshot of the new version
   */
  static final String CHANGE_FROM_SQL = "WITH upd AS (UPDATE operations SET status = $2, progress = $3, message = $4, error = $5, "
      + "metadata = $6, version = $7, updated_at = $8, started_at = $9, completed_at = $10 "
      + "WHERE id = $1 AND version = $11 AND status IN ('pending', 'in_progress') RETURNING id, host_id, version) "
      + "INSERT INTO operation_changes (operation_id, host_id, version, snapshot) SELECT id, host_id, version, $12 FROM upd RETURNING seq";

  /**
   * A change to an active operation whose current version the caller holds ({@code known}: the one
   * it started or last wrote), in one statement (one round trip, no transaction): the new version
   * and its snapshot are built here, and the update applies only while the row is still that
   * version and active. When it is not (another node changed or ended it), the change goes the
   * way of {@link #change(UUID, String, Integer, String, String, JsonObject)}, on the row as it is:
   * the outcome is the same either way.
   */
  public Future<Optional<Operation>> changeFrom(Operation known, String status, Integer progress, String message, String error,
      JsonObject metadataPatch) {
    return write(known, status, progress, message, error, metadataPatch).map(w -> w.map(Written::op));
  }

  /**
   * A change written: the operation, and, when this node built it, the JSON to publish (its
   * snapshot with its seq, built once); null when it is to be built from {@code op}.
   */
  record Written(Operation op, JsonObject published) {}

  /** As {@link #changeFrom}, with the JSON to publish when it was built here. */
  Future<Optional<Written>> write(Operation known, String status, Integer progress, String message, String error,
      JsonObject metadataPatch) {
    UUID id = UUID.fromString(known.id());
    if (!known.isActive()) {
      return change(id, status, progress, message, error, metadataPatch).map(o -> o.map(op -> new Written(op, null)));
    }
    boolean finishing = status != null && !Operation.PENDING.equals(status) && !Operation.IN_PROGRESS.equals(status);
    java.time.Instant now = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
    if (known.updatedAt() != null && now.isBefore(known.updatedAt())) {
      now = known.updatedAt();
    }
    LinkedHashMap<String, Object> metadata = new LinkedHashMap<>(known.metadata() == null ? java.util.Map.of() : known.metadata());
    if (metadataPatch != null) {
      metadata.putAll(metadataPatch.copy().getMap());
    }
    Operation next = new Operation(known.type(), known.id(), known.hostId(), known.operationType(), status != null ? status : known.status(),
        progress != null ? progress : known.progress(), message != null ? message : known.message(), error != null ? error : known.error(),
        known.createdBy(), known.requestedBy(), known.nodeId(), known.version() + 1, null, known.params(), metadata, known.createdAt(),
        Operation.IN_PROGRESS.equals(status) && known.startedAt() == null ? now : known.startedAt(), now,
        finishing ? now : known.completedAt());
    JsonObject snapshot = Json.toJsonObject(next);
    Future<Long> statement;
    if (changes != null) {
      statement = changes.execute(id, new JsonObject().put("id", known.id()).put("status", next.status())
          .put("progress", next.progress()).put("message", next.message()).put("error", next.error())
          .put("metadata", new JsonObject(metadata)).put("version", next.version()).put("updated_at", iso(next.updatedAt()))
          .put("started_at", iso(next.startedAt())).put("completed_at", iso(next.completedAt())).put("known", known.version())
          .put("snapshot", snapshot));
    } else {
      Tuple args = Tuple.tuple().addUUID(id).addString(next.status()).addInteger(next.progress()).addString(next.message())
          .addString(next.error()).addValue(new JsonObject(metadata)).addLong(next.version()).addOffsetDateTime(utc(next.updatedAt()))
          .addOffsetDateTime(utc(next.startedAt())).addOffsetDateTime(utc(next.completedAt())).addLong(known.version())
          .addValue(snapshot);
      statement = pool.preparedQuery(CHANGE_FROM_SQL).execute(args)
          .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getLong(0));
    }
    return statement.compose(seq -> {
      if (seq == null) {
        return change(id, status, progress, message, error, metadataPatch).map(o -> o.map(op -> new Written(op, null)));
      }
      // the statement has run: the snapshot it was given is the published form, with the seq
      return Future.succeededFuture(Optional.of(new Written(next.withSeq(seq), snapshot.put("seq", seq))));
    });
  }

  private static String iso(java.time.Instant t) {
    return t == null ? null : t.toString();
  }

  private static OffsetDateTime utc(java.time.Instant t) {
    return t == null ? null : OffsetDateTime.ofInstant(t, java.time.ZoneOffset.UTC);
  }

  /**
   * Fails an operation whose run is lost and, in the same transaction, opens its fence
   * ({@link Fences}): no start of its host and type can slip in between the two.
   */
  public Future<Optional<Operation>> failFenced(UUID id, String message, String error, JsonObject metadataPatch) {
    return change(id, Operation.FAILED, null, message, error, metadataPatch, true);
  }

  private Future<Optional<Operation>> change(UUID id, String status, Integer progress, String message, String error, JsonObject metadataPatch,
      boolean fence) {
    boolean finishing = status != null && !Operation.PENDING.equals(status) && !Operation.IN_PROGRESS.equals(status);
    String sql = "UPDATE operations SET status = COALESCE($2, status), progress = COALESCE($3, progress), message = COALESCE($4, message), "
        + "error = COALESCE($5, error), metadata = metadata || $6, version = version + 1, updated_at = now(), "
        + "started_at = CASE WHEN $2 = 'in_progress' AND started_at IS NULL THEN now() ELSE started_at END, "
        + "completed_at = CASE WHEN $7 THEN now() ELSE completed_at END "
        + "WHERE id = $1 AND status IN ('pending', 'in_progress') RETURNING " + COLUMNS;
    return pool.withTransaction(conn -> conn.preparedQuery(sql)
        .execute(Tuple.tuple().addUUID(id).addString(status).addInteger(progress).addString(message).addString(error)
            .addValue(metadataPatch == null ? new JsonObject() : metadataPatch).addBoolean(finishing))
        .compose(rows -> rows.size() == 0 ? Future.succeededFuture(Optional.<Operation>empty())
            : record(conn, toOperation(rows.iterator().next())).map(Optional::of))
        .compose(changed -> !fence || changed.isEmpty() ? Future.succeededFuture(changed)
            : conn.preparedQuery("INSERT INTO operation_fences (operation_id, host_id, type) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                .execute(Tuple.of(id, changed.get().hostId(), changed.get().operationType())).map(changed)));
  }

  private Future<Operation> record(SqlClient conn, Operation op) {
    JsonObject snapshot = Json.toJsonObject(op);
    return conn.preparedQuery("INSERT INTO operation_changes (operation_id, host_id, version, snapshot) VALUES ($1, $2, $3, $4) RETURNING seq")
        .execute(Tuple.of(UUID.fromString(op.id()), op.hostId(), op.version(), snapshot))
        .map(rows -> op.withSeq(rows.iterator().next().getLong(0)));
  }

  /** Active operations owned by nodes not seen within {@code seconds}. */
  public Future<List<Operation>> orphaned(long seconds) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM operations o WHERE status IN ('pending', 'in_progress') AND NOT EXISTS "
            + "(SELECT 1 FROM operation_nodes n WHERE n.node_id = o.node_id AND n.last_seen > now() - make_interval(secs => $1))")
        .execute(Tuple.of((double) seconds))
        .map(OperationStore::all);
  }

  /** Active operations owned by {@code nodeId} that have not changed for {@code quietSeconds}. */
  public Future<List<Operation>> activeOf(String nodeId, long quietSeconds) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM operations WHERE status IN ('pending', 'in_progress') AND node_id = $1 "
            + "AND updated_at < now() - make_interval(secs => $2)")
        .execute(Tuple.of(nodeId, (double) quietSeconds))
        .map(OperationStore::all);
  }

  public Future<Void> heartbeat(String nodeId) {
    return pool.preparedQuery("INSERT INTO operation_nodes (node_id, last_seen) VALUES ($1, now()) ON CONFLICT (node_id) DO UPDATE SET last_seen = now()")
        .execute(Tuple.of(nodeId)).mapEmpty();
  }

  /** History: newest first, filtered, paged by {@code before} (a created_at cursor) and {@code limit}. */
  public Future<List<Operation>> list(String hostId, String status, String type, OffsetDateTime before, int limit) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM operations WHERE ($1::text IS NULL OR host_id = $1) AND ($2::text IS NULL OR status = $2) "
            + "AND ($3::text IS NULL OR type = $3) AND ($4::timestamptz IS NULL OR created_at < $4) ORDER BY created_at DESC LIMIT $5")
        .execute(Tuple.tuple().addString(hostId).addString(status).addString(type).addOffsetDateTime(before).addInteger(limit))
        .map(OperationStore::all);
  }

  /** Every change after {@code sinceSeq}, in order, optionally for one host: what a resuming client missed. */
  public Future<List<JsonObject>> changesSince(String hostId, long sinceSeq, int limit) {
    return pool.preparedQuery("SELECT seq, snapshot FROM operation_changes WHERE seq > $1 AND ($2::text IS NULL OR host_id = $2) ORDER BY seq LIMIT $3")
        .execute(Tuple.tuple().addLong(sinceSeq).addString(hostId).addInteger(limit))
        .map(rows -> {
          List<JsonObject> out = new ArrayList<>();
          rows.forEach(r -> out.add(((JsonObject) r.getValue("snapshot")).copy().put("seq", r.getLong("seq"))));
          return out;
        });
  }

  /**
   * The changes of the operations {@code nodeId} owns with a seq after {@code afterSeq}, written
   * within the last {@code seconds}, in order, as published (with {@code seq}): what a node that
   * left may have committed without publishing ({@link Republisher}).
   */
  public Future<List<JsonObject>> changesOfNode(String nodeId, long afterSeq, long seconds) {
    return pool.preparedQuery("SELECT c.seq, c.snapshot FROM operation_changes c JOIN operations o ON o.id = c.operation_id "
            + "WHERE o.node_id = $1 AND c.seq > $2 AND c.ts > now() - make_interval(secs => $3) ORDER BY c.seq LIMIT 1000")
        .execute(Tuple.tuple().addString(nodeId).addLong(afterSeq).addValue((double) seconds))
        .map(rows -> {
          List<JsonObject> out = new ArrayList<>();
          rows.forEach(r -> out.add(((JsonObject) r.getValue("snapshot")).copy().put("seq", r.getLong("seq"))));
          return out;
        });
  }

  /**
   * The current state for a new subscriber: the latest snapshot of each operation that is active
   * or changed within the last hour, in seq order.
   */
  public Future<List<JsonObject>> currentState(String hostId, int limit) {
    return pool.preparedQuery("SELECT seq, snapshot FROM (SELECT DISTINCT ON (c.operation_id) c.seq, c.snapshot FROM operation_changes c "
            + "JOIN operations o ON o.id = c.operation_id WHERE ($1::text IS NULL OR c.host_id = $1) "
            + "AND (o.status IN ('pending', 'in_progress') OR o.updated_at > now() - interval '1 hour') "
            + "ORDER BY c.operation_id, c.seq DESC) latest ORDER BY seq DESC LIMIT $2")
        .execute(Tuple.tuple().addString(hostId).addInteger(limit))
        .map(rows -> {
          List<JsonObject> out = new ArrayList<>();
          rows.forEach(r -> out.add(0, ((JsonObject) r.getValue("snapshot")).copy().put("seq", r.getLong("seq"))));
          return out;
        });
  }

  /** The newest change seq (0 when none): where a fresh subscriber starts. */
  public Future<Long> lastSeq() {
    return pool.query("SELECT COALESCE(max(seq), 0) FROM operation_changes").execute().map(rows -> rows.iterator().next().getLong(0));
  }

  /** Deletes finished operations (and their changes) older than the retention. */
  public Future<Integer> prune(long retentionSeconds) {
    return pool.withTransaction(conn -> conn.preparedQuery("DELETE FROM operations WHERE status NOT IN ('pending', 'in_progress') "
            + "AND completed_at < now() - make_interval(secs => $1) RETURNING id")
        .execute(Tuple.of((double) retentionSeconds))
        .compose(rows -> {
          List<UUID> ids = new ArrayList<>();
          rows.forEach(r -> ids.add(r.getUUID(0)));
          return ids.isEmpty() ? Future.succeededFuture(0)
              : conn.preparedQuery("DELETE FROM operation_changes WHERE operation_id = ANY($1)").execute(Tuple.of(ids.toArray(UUID[]::new)))
                  .map(ids.size());
        }));
  }

  static List<Operation> all(RowSet<Row> rows) {
    List<Operation> out = new ArrayList<>();
    rows.forEach(r -> out.add(toOperation(r)));
    return out;
  }

  static Operation toOperation(Row r) {
    return new Operation(Operation.TYPE, r.getUUID("id").toString(), r.getString("host_id"), r.getString("type"), r.getString("status"),
        r.getInteger("progress"), r.getString("message"), r.getString("error"), r.getString("created_by"), r.getString("requested_by"),
        r.getString("node_id"), r.getLong("version"), null,
        ((JsonObject) r.getValue("params")).getMap(), ((JsonObject) r.getValue("metadata")).getMap(),
        instant(r.getOffsetDateTime("created_at")), instant(r.getOffsetDateTime("started_at")),
        instant(r.getOffsetDateTime("updated_at")), instant(r.getOffsetDateTime("completed_at")));
  }

  private static java.time.Instant instant(OffsetDateTime t) {
    return t == null ? null : t.toInstant();
  }
}
