package dev.opsbus.operations;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.BusFailures;
import dev.opsbus.model.BusIdentity;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.Principal;
import dev.opsbus.model.Role;
import dev.opsbus.model.wire.ActivityQuery;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Persists everything published on {@code activity.events} and serves it back on
 * {@code activity.list}, in order, by {@code seq}: oldest first after {@code sinceSeq} (a replay
 * from a point), or newest first before {@code beforeSeq} (paging back); narrowed by {@code user},
 * {@code action}, {@code hostId} (of the entry's data) and the times {@code from} and {@code until}. Every node running this
 * verticle hears every event; the event id makes each one land exactly once.
 */
final class ActivityLog {

  private static final Logger LOG = LoggerFactory.getLogger(ActivityLog.class);

  private final Vertx vertx;
  private final Pool pool;
  private MessageConsumer<JsonObject> events;
  private MessageConsumer<JsonObject> list;
  /** Entries older than this are deleted, at start and hourly ({@code operations.retentionDays}); null: kept. */
  private final java.time.Duration retention;
  private long pruneTimer = -1;

  ActivityLog(Vertx vertx, Pool pool) {
    this(vertx, pool, null);
  }

  ActivityLog(Vertx vertx, Pool pool, java.time.Duration retention) {
    this.vertx = vertx;
    this.pool = pool;
    this.retention = retention;
  }

  Future<Void> start() {
    events = vertx.eventBus().consumer(Addresses.ACTIVITY_EVENTS, m -> store(m.body()));
    list = vertx.eventBus().consumer(Addresses.ACTIVITY_LIST, m -> {
      Principal caller = BusIdentity.of(m.headers());
      if (caller != null && !caller.hasRole(Role.ADMIN)) {
        BusFailures.fail(m, ErrorCode.ACCESS_DENIED, "the activity log is for admins");
        return;
      }
      Future<JsonObject> answer;
      try {
        answer = list(ActivityQuery.parse(m.body()));
      } catch (OpsbusException e) {
        answer = Future.failedFuture(e);
      }
      answer.onSuccess(m::reply).onFailure(err -> BusFailures.fail(m, err, "could not read the activity log"));
    });
    if (retention != null) {
      pruneOld();
      pruneTimer = vertx.setPeriodic(PRUNE_EVERY_MS, t -> pruneOld());
    }
    return Future.all(events.completion(), list.completion()).mapEmpty();
  }

  /** How often entries past the retention are deleted. */
  static final long PRUNE_EVERY_MS = 3_600_000;

  private void pruneOld() {
    prune(retention.toSeconds())
        .onSuccess(n -> {
          if (n > 0) {
            LOG.info("pruned {} activity entries older than {} days", n, retention.toDays());
          }
        })
        .onFailure(err -> LOG.warn("pruning the activity log failed: {}", err.getMessage()));
  }

  Future<Void> stop() {
    if (pruneTimer >= 0) {
      vertx.cancelTimer(pruneTimer);
    }
    return Future.join(events.unregister(), list.unregister()).mapEmpty();
  }

  private void store(JsonObject ev) {
    if (ev == null || ev.getString("id") == null || ev.getString("action") == null) {
      return;
    }
    UUID id;
    try {
      id = UUID.fromString(ev.getString("id"));
    } catch (IllegalArgumentException e) {
      return;
    }
    OffsetDateTime ts;
    try {
      ts = OffsetDateTime.parse(ev.getString("ts"));
    } catch (RuntimeException e) {
      ts = OffsetDateTime.now();
    }
    pool.preparedQuery("INSERT INTO activity (id, ts, action, username, node_id, address, code, message, data) "
            + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING")
        .execute(Tuple.tuple().addUUID(id).addOffsetDateTime(ts).addString(ev.getString("action")).addString(ev.getString("username"))
            .addString(ev.getString("nodeId")).addString(ev.getString("address")).addString(ev.getString("code"))
            .addString(ev.getString("message")).addValue(ev.getJsonObject("data", new JsonObject())))
        .onFailure(err -> LOG.warn("activity entry {} not persisted: {}", id, err.getMessage()));
  }

  private Future<JsonObject> list(ActivityQuery b) {
    int limit = b.limit() == null ? 100 : b.limit();
    String cols = "seq, id, ts, action, username, node_id, address, code, message, data";
    // filters (user, action, host, from, until) narrow any of the three reads below
    StringBuilder where = new StringBuilder();
    Tuple args = Tuple.tuple();
    filter(where, args, "username = $", b.user());
    filter(where, args, "action = $", b.action());
    filter(where, args, "data->>'hostId' = $", b.hostId());
    filter(where, args, "ts >= $", b.fromTime());
    filter(where, args, "ts <= $", b.untilTime());
    String order;
    if (b.sinceSeq() != null) {
      filter(where, args, "seq > $", b.sinceSeq());
      order = " ORDER BY seq";
    } else if (b.since() != null) {
      filter(where, args, "ts >= $", b.sinceTime());
      order = " ORDER BY seq";
    } else {
      filter(where, args, "seq < $", b.beforeSeq() == null ? Long.MAX_VALUE : b.beforeSeq());
      order = " ORDER BY seq DESC";
    }
    args.addValue(limit);
    Future<io.vertx.sqlclient.RowSet<Row>> rows = pool.preparedQuery("SELECT " + cols + " FROM activity WHERE " + where + order
        + " LIMIT $" + args.size()).execute(args);
    return rows.map(rs -> {
      JsonArray out = new JsonArray();
      rs.forEach(r -> out.add(new JsonObject().put("seq", r.getLong("seq")).put("id", r.getUUID("id").toString())
          .put("ts", r.getOffsetDateTime("ts").toInstant().toString()).put("action", r.getString("action"))
          .put("username", r.getString("username")).put("nodeId", r.getString("node_id")).put("address", r.getString("address"))
          .put("code", r.getString("code")).put("message", r.getString("message")).put("data", r.getValue("data"))));
      return new JsonObject().put("entries", out);
    });
  }

  /** Adds one condition with its value as the next parameter; nothing when the value is null. */
  private static void filter(StringBuilder where, Tuple args, String condition, Object value) {
    if (value == null) {
      return;
    }
    args.addValue(value);
    where.append(where.isEmpty() ? "" : " AND ").append(condition).append(args.size());
  }

  /** Deletes entries older than the retention. */
  Future<Integer> prune(long retentionSeconds) {
    return pool.preparedQuery("DELETE FROM activity WHERE ts < now() - make_interval(secs => $1)").execute(Tuple.of((double) retentionSeconds))
        .map(r -> r.rowCount());
  }
}
