package dev.opsbus.operations;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.BusFailures;
import dev.opsbus.model.BusIdentity;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.Principal;
import dev.opsbus.model.Role;
import dev.opsbus.model.db.StoreHealth;
import dev.opsbus.model.wire.ActivityQuery;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Persists everything published on {@code activity.events} and serves it back on
 * {@code activity.list}, in order, by {@code seq}: oldest first after {@code sinceSeq} (a replay
 * from a point), or newest first before {@code beforeSeq} (paging back); narrowed by {@code user},
 * {@code action}, {@code hostId} (of the entry's data) and the times {@code from} and {@code until}. Every node running this
 * verticle hears every event; the event id makes each one land exactly once. Entries are written in
 * batches, in order (one statement for those that arrived while the previous one was written); an
 * entry is never dropped unseen: one the database does not take after {@link #ATTEMPTS} attempts,
 * or past {@link #MAX_QUEUED} waiting, is counted ({@link #lost()}) and logged, once a minute at most.
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
    this(vertx, pool, retention, ATTEMPTS);
  }

  ActivityLog(Vertx vertx, Pool pool, java.time.Duration retention, int attempts) {
    this.vertx = vertx;
    this.pool = pool;
    this.retention = retention;
    this.attempts = attempts;
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

  /** Stops listening; the entries already received are written first (for up to {@link #STOP_FLUSH_MS}). */
  Future<Void> stop() {
    if (pruneTimer >= 0) {
      vertx.cancelTimer(pruneTimer);
    }
    return Future.join(events.unregister(), list.unregister())
        .transform(x -> StoreHealth.within(vertx, flushed(), STOP_FLUSH_MS))
        .transform(ar -> {
          if (lossLogTimer >= 0) {
            vertx.cancelTimer(lossLogTimer);
          }
          int left = queued.size();
          if (ar.failed() && left > 0) {
            lost(left, "the node stopped before they were written");
          }
          reportLoss();
          return Future.<Void>succeededFuture();
        });
  }

  static final long STOP_FLUSH_MS = 2_000;

  /** One entry as it is written. */
  private record Entry(UUID id, OffsetDateTime ts, String action, String username, String nodeId, String address, String code,
      String message, String data) {}

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
    if (queued.size() >= MAX_QUEUED) {
      lost(1, "more than " + MAX_QUEUED + " entries waiting to be written");
      return;
    }
    queued.addLast(new Entry(id, ts, ev.getString("action"), ev.getString("username"), ev.getString("nodeId"), ev.getString("address"),
        ev.getString("code"), ev.getString("message"), ev.getJsonObject("data", new JsonObject()).encode()));
    if (writing == null) {
      writeNext();
    }
  }

  /*
   * Entries are written in order, one statement for up to BATCH of them: while one batch is being
   * written, the entries that arrive wait and go in the next. When idle, an entry is written at once.
   */
  static final int BATCH = 500;
  /** Entries waiting at most; past it a new entry is counted lost (the database is away or far behind). */
  static final int MAX_QUEUED = 100_000;
  /** Attempts per batch (a failed one is tried again after a backoff doubling from 100 ms to 5 s) before its entries count as lost. */
  static final int ATTEMPTS = 8;
  private static final long LOSS_LOG_EVERY_MS = 60_000;
  static final String INSERT = "INSERT INTO activity (id, ts, action, username, node_id, address, code, message, data) "
      + "SELECT id, ts, action, username, node_id, address, code, message, data::jsonb FROM unnest($1::uuid[], $2::timestamptz[], "
      + "$3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) WITH ORDINALITY "
      + "AS e(id, ts, action, username, node_id, address, code, message, data, n) ORDER BY n ON CONFLICT (id) DO NOTHING";

  private final int attempts;
  private final AtomicLong lostTotal = new AtomicLong();
  private final ArrayDeque<Entry> queued = new ArrayDeque<>();
  /** Completes when the batch being written is done; null when idle. */
  private Promise<Void> writing;
  private long lostUnreported;
  private String lastLossReason;
  private long lastLossLogAt;
  private long lossLogTimer = -1;

  private void writeNext() {
    Promise<Void> was = writing;
    if (queued.isEmpty()) {
      writing = null;
      if (was != null) {
        was.tryComplete();
      }
      return;
    }
    if (was == null) {
      writing = Promise.promise();
    }
    List<Entry> batch = new ArrayList<>(Math.min(BATCH, queued.size()));
    while (batch.size() < BATCH && !queued.isEmpty()) {
      batch.add(queued.pollFirst());
    }
    write(batch, 1);
  }

  private void write(List<Entry> batch, int attempt) {
    int n = batch.size();
    UUID[] ids = new UUID[n];
    OffsetDateTime[] ts = new OffsetDateTime[n];
    String[][] text = new String[7][n];
    for (int i = 0; i < n; i++) {
      Entry e = batch.get(i);
      ids[i] = e.id();
      ts[i] = e.ts();
      text[0][i] = e.action();
      text[1][i] = e.username();
      text[2][i] = e.nodeId();
      text[3][i] = e.address();
      text[4][i] = e.code();
      text[5][i] = e.message();
      text[6][i] = e.data();
    }
    Tuple args = Tuple.tuple().addArrayOfUUID(ids).addArrayOfOffsetDateTime(ts);
    for (String[] column : text) {
      args.addArrayOfString(column);
    }
    pool.preparedQuery(INSERT).execute(args).onComplete(ar -> {
      if (ar.succeeded()) {
        writeNext();
      } else if (attempt < attempts) {
        vertx.setTimer(Math.min(5_000, 100L << (attempt - 1)), t -> write(batch, attempt + 1));
      } else {
        lost(n, ar.cause().getMessage());
        writeNext();
      }
    });
  }

  /** Entries given up on: counted, and said once a minute at most. */
  private void lost(int n, String why) {
    lostTotal.addAndGet(n);
    lostUnreported += n;
    lastLossReason = why;
    long now = System.currentTimeMillis();
    if (now - lastLossLogAt >= LOSS_LOG_EVERY_MS) {
      reportLoss();
    } else if (lossLogTimer < 0) {
      lossLogTimer = vertx.setTimer(LOSS_LOG_EVERY_MS - (now - lastLossLogAt), t -> {
        lossLogTimer = -1;
        reportLoss();
      });
    }
  }

  private void reportLoss() {
    if (lostUnreported == 0) {
      return;
    }
    lastLossLogAt = System.currentTimeMillis();
    LOG.warn("{} activity entries not persisted ({} since start): {}", lostUnreported, lostTotal.get(), lastLossReason);
    lostUnreported = 0;
  }

  /** Entries given up on since this log started (not written after {@link #ATTEMPTS} attempts, or past {@link #MAX_QUEUED}). */
  long lost() {
    return lostTotal.get();
  }

  /** Completes once every entry received so far is written or given up on. */
  Future<Void> flushed() {
    return writing == null ? Future.succeededFuture() : writing.future();
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
