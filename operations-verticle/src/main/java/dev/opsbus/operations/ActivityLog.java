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
 * from a point), or newest first before {@code beforeSeq} (paging back). Every node running this
 * verticle hears every event; the event id makes each one land exactly once.
 */
final class ActivityLog {

  private static final Logger LOG = LoggerFactory.getLogger(ActivityLog.class);

  private final Vertx vertx;
  private final Pool pool;
  private MessageConsumer<JsonObject> events;
  private MessageConsumer<JsonObject> list;

  ActivityLog(Vertx vertx, Pool pool) {
    this.vertx = vertx;
    this.pool = pool;
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
    return Future.all(events.completion(), list.completion()).mapEmpty();
  }

  Future<Void> stop() {
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
    Future<io.vertx.sqlclient.RowSet<Row>> rows;
    String cols = "seq, id, ts, action, username, node_id, address, code, message, data";
    if (b.sinceSeq() != null) {
      rows = pool.preparedQuery("SELECT " + cols + " FROM activity WHERE seq > $1 ORDER BY seq LIMIT $2")
          .execute(Tuple.of(b.sinceSeq(), limit));
    } else if (b.since() != null) {
      rows = pool.preparedQuery("SELECT " + cols + " FROM activity WHERE ts >= $1 ORDER BY seq LIMIT $2")
          .execute(Tuple.of(b.sinceTime(), limit));
    } else {
      long before = b.beforeSeq() == null ? Long.MAX_VALUE : b.beforeSeq();
      rows = pool.preparedQuery("SELECT " + cols + " FROM activity WHERE seq < $1 ORDER BY seq DESC LIMIT $2")
          .execute(Tuple.of(before, limit));
    }
    return rows.map(rs -> {
      JsonArray out = new JsonArray();
      rs.forEach(r -> out.add(new JsonObject().put("seq", r.getLong("seq")).put("id", r.getUUID("id").toString())
          .put("ts", r.getOffsetDateTime("ts").toInstant().toString()).put("action", r.getString("action"))
          .put("username", r.getString("username")).put("nodeId", r.getString("node_id")).put("address", r.getString("address"))
          .put("code", r.getString("code")).put("message", r.getString("message")).put("data", r.getValue("data"))));
      return new JsonObject().put("entries", out);
    });
  }

  /** Deletes entries older than the retention. */
  Future<Integer> prune(long retentionSeconds) {
    return pool.preparedQuery("DELETE FROM activity WHERE ts < now() - make_interval(secs => $1)").execute(Tuple.of((double) retentionSeconds))
        .map(r -> r.rowCount());
  }
}
