package dev.opsbus.operations;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.BusFailures;
import dev.opsbus.model.BusIdentity;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.Json;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.Principal;
import dev.opsbus.model.Role;
import dev.opsbus.model.event.ActivityEvent;
import dev.opsbus.model.hosts.HostsClient;
import dev.opsbus.model.wire.ScheduleRequest;
import dev.opsbus.model.wire.StartOperation;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scheduled operations. Every node ticks; a due occurrence is claimed by moving the schedule's
 * {@code next_run_at} forward with a compare-and-set, so exactly one node fires it, and the
 * operation it starts carries an idempotency key naming the schedule and the occurrence, so even
 * a claim gone wrong cannot start it twice. Missed occurrences (all nodes down) are skipped, not
 * replayed. Fired operations are created by {@code cron}. A stored schedule whose cron no longer
 * parses is broken: it is logged once per node, recorded once in the activity log, listed with
 * {@code broken} naming the reason, and never fired.
 */
final class Scheduler {

  private static final Logger LOG = LoggerFactory.getLogger(Scheduler.class);
  static final String SCHEDULE_BROKEN = "schedule_broken";

  private final Vertx vertx;
  private final Pool pool;
  private final OperationsConfig config;
  private final Map<String, OperationType> types;
  /** The hosts table belongs to the gateway: whether a host exists is asked of it. */
  private final HostsClient hosts;
  private MessageConsumer<JsonObject> api;
  private long timer = -1;
  private boolean ticking;
  /** Broken schedules this node has reported, by id and the cron text it could not read. */
  private final Set<String> reportedBroken = new HashSet<>();

  Scheduler(Vertx vertx, Pool pool, OperationsConfig config, Map<String, OperationType> types) {
    this.vertx = vertx;
    this.pool = pool;
    this.config = config;
    this.types = types;
    this.hosts = new HostsClient(vertx);
  }

  Future<Void> start() {
    api = vertx.eventBus().consumer(Addresses.OPS_SCHEDULES, m -> {
      Principal caller = BusIdentity.of(m.headers());
      Future<JsonObject> answer;
      try {
        if (caller != null && !caller.hasRole(Role.ADMIN)) {
          throw new OpsbusException(ErrorCode.ACCESS_DENIED, "schedules are for admins");
        }
        ScheduleRequest b = ScheduleRequest.parse(m.body());
        answer = switch (b.action()) {
          case ScheduleRequest.CREATE -> create(b, caller == null ? "system" : caller.username());
          case ScheduleRequest.DELETE -> delete(b);
          case ScheduleRequest.PAUSE -> setEnabled(b, false);
          case ScheduleRequest.RESUME -> setEnabled(b, true);
          default -> list();
        };
      } catch (OpsbusException e) {
        answer = Future.failedFuture(e);
      }
      answer.onSuccess(m::reply).onFailure(err -> BusFailures.fail(m, err, "the scheduler failed"));
    });
    timer = vertx.setPeriodic(config.schedulerTick().toMillis(), t -> tick());
    return api.completion();
  }

  Future<Void> stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return api == null ? Future.succeededFuture() : api.unregister();
  }

  private Future<JsonObject> create(ScheduleRequest b, String by) {
    String hostId = b.hostId();
    String typeName = b.type();
    String cronText = b.cron();
    if (hostId == null || typeName == null || cronText == null) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "hostId, type and cron are required");
    }
    OperationType type = types.get(typeName);
    if (type == null) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "type: unknown operation type '" + typeName + "'");
    }
    type.validate(b.params() == null ? null : b.paramsJson());
    CronExpression cron;
    try {
      cron = CronExpression.parse(cronText);
    } catch (IllegalArgumentException e) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "cron: " + e.getMessage());
    }
    ZonedDateTime next = cron.next(ZonedDateTime.now(ZoneOffset.UTC));
    if (next == null) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "cron: '" + cronText + "' never fires");
    }
    UUID id = UUID.randomUUID();
    return hosts.exists(hostId).compose(exists -> {
      if (!exists) {
        return Future.failedFuture(new OpsbusException(ErrorCode.NOT_FOUND, "no host '" + hostId + "'"));
      }
      return pool.preparedQuery("INSERT INTO operation_schedules (id, host_id, type, params, cron, created_by, next_run_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
          .execute(Tuple.tuple().addUUID(id).addString(hostId).addString(typeName).addValue(b.paramsJson())
              .addString(cron.toString()).addString(by).addOffsetDateTime(next.toOffsetDateTime()))
          .map(r -> new JsonObject().put("id", id.toString()).put("hostId", hostId).put("type", typeName).put("cron", cron.toString())
              .put("nextRunAt", next.toInstant().toString()));
    });
  }

  private Future<JsonObject> delete(ScheduleRequest b) {
    UUID id;
    try {
      id = UUID.fromString(b.id() == null ? "" : b.id());
    } catch (IllegalArgumentException e) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "id: not a schedule id");
    }
    return pool.preparedQuery("DELETE FROM operation_schedules WHERE id = $1").execute(Tuple.of(id))
        .compose(r -> r.rowCount() == 0 ? Future.failedFuture(new OpsbusException(ErrorCode.NOT_FOUND, "no schedule " + id))
            : Future.succeededFuture(new JsonObject().put("deleted", id.toString())));
  }

  /**
   * Pauses a schedule (it keeps its place but fires nothing) or resumes it: a resumed schedule fires
   * next at its next occurrence from now, the ones missed while paused are skipped.
   */
  private Future<JsonObject> setEnabled(ScheduleRequest b, boolean enabled) {
    UUID id = scheduleId(b);
    return pool.preparedQuery("SELECT cron FROM operation_schedules WHERE id = $1").execute(Tuple.of(id)).compose(rows -> {
      if (rows.size() == 0) {
        return Future.failedFuture(new OpsbusException(ErrorCode.NOT_FOUND, "no schedule " + id));
      }
      OffsetDateTime next = null;
      if (enabled) {
        String broken = brokenReason(rows.iterator().next().getString("cron"));
        if (broken != null) {
          return Future.failedFuture(new OpsbusException(ErrorCode.INVALID_REQUEST, "schedule " + id + " cannot fire: " + broken));
        }
        ZonedDateTime n = CronExpression.parse(rows.iterator().next().getString("cron")).next(ZonedDateTime.now(ZoneOffset.UTC));
        next = n == null ? null : n.toOffsetDateTime();
      }
      return pool.preparedQuery("UPDATE operation_schedules SET enabled = $2, next_run_at = COALESCE($3, next_run_at) WHERE id = $1")
          .execute(Tuple.of(id, enabled, next))
          .map(r -> new JsonObject().put("id", id.toString()).put("enabled", enabled));
    });
  }

  private static UUID scheduleId(ScheduleRequest b) {
    try {
      return UUID.fromString(b.id() == null ? "" : b.id());
    } catch (IllegalArgumentException e) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "id: not a schedule id");
    }
  }

  private Future<JsonObject> list() {
    return pool.query("SELECT id, host_id, type, params, cron, enabled, next_run_at, last_run_at, created_by FROM operation_schedules ORDER BY created_at")
        .execute().map(rows -> {
          JsonArray out = new JsonArray();
          rows.forEach(r -> {
            JsonObject entry = new JsonObject().put("id", r.getUUID("id").toString()).put("hostId", r.getString("host_id"))
                .put("type", r.getString("type")).put("params", r.getValue("params")).put("cron", r.getString("cron"))
                .put("enabled", r.getBoolean("enabled")).put("nextRunAt", r.getOffsetDateTime("next_run_at").toInstant().toString())
                .put("lastRunAt", r.getOffsetDateTime("last_run_at") == null ? null : r.getOffsetDateTime("last_run_at").toInstant().toString())
                .put("createdBy", r.getString("created_by"));
            String broken = brokenReason(r.getString("cron"));
            if (broken != null) {
              entry.put("broken", broken);
            }
            out.add(entry);
          });
          return new JsonObject().put("schedules", out);
        });
  }

  private void tick() {
    if (ticking) {
      return;
    }
    ticking = true;
    pool.query("SELECT id, host_id, type, params, cron, next_run_at FROM operation_schedules WHERE enabled AND next_run_at <= now()")
        .execute()
        .compose(rows -> {
          Future<Void> all = Future.succeededFuture();
          for (Row r : rows) {
            all = all.compose(v -> claimAndFire(r));
          }
          return all;
        })
        .onComplete(ar -> {
          ticking = false;
          if (ar.failed()) {
            LOG.warn("scheduler tick on node {} failed: {}", config.nodeId(), ar.cause().getMessage());
          }
        });
  }

  private Future<Void> claimAndFire(Row r) {
    UUID id = r.getUUID("id");
    OffsetDateTime due = r.getOffsetDateTime("next_run_at");
    CronExpression cron;
    try {
      cron = CronExpression.parse(r.getString("cron"));
    } catch (IllegalArgumentException e) {
      reportBroken(id, r.getString("host_id"), r.getString("type"), r.getString("cron"), "cron: " + e.getMessage());
      return Future.succeededFuture();
    }
    ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
    ZonedDateTime next = cron.next(now.isAfter(due.toZonedDateTime()) ? now : due.toZonedDateTime());
    return pool.preparedQuery("UPDATE operation_schedules SET next_run_at = $3, last_run_at = $2 WHERE id = $1 AND next_run_at = $2 RETURNING id")
        .execute(Tuple.tuple().addUUID(id).addOffsetDateTime(due).addOffsetDateTime(next == null ? due.plusYears(100) : next.toOffsetDateTime()))
        .compose(claimed -> {
          if (claimed.size() == 0) {
            return Future.succeededFuture();
          }
          String occurrence = due.toInstant().toString();
          JsonObject params = r.getJsonObject("params");
          // the key is kept under the scope cluster:cron (no identity on this request), which no user can reach
          StartOperation start = new StartOperation(r.getString("host_id"), r.getString("type"), params == null ? null : params.getMap(),
              StartOperation.BY_CRON, "schedule " + id, "schedule:" + id + ":" + occurrence,
              Map.of("scheduleId", id.toString(), "occurrence", occurrence));
          return vertx.eventBus().<JsonObject>request(Addresses.OPS_START, start.toJson(), new DeliveryOptions().setSendTimeout(30_000))
              .onSuccess(reply -> LOG.info("schedule {} fired occurrence {} on node {}: {} {}", id, occurrence, config.nodeId(),
                  reply.body().getString("status"), reply.body().getString("operationId")))
              .onFailure(err -> LOG.warn("schedule {} occurrence {} could not start: {}", id, occurrence, err.getMessage()))
              .<Void>mapEmpty()
              .recover(err -> Future.succeededFuture());
        });
  }

  /** Why a stored cron cannot be used, or null when it can. */
  private static String brokenReason(String cronText) {
    try {
      CronExpression.parse(cronText);
      return null;
    } catch (IllegalArgumentException e) {
      return "cron: " + e.getMessage();
    }
  }

  /**
   * Says once that a schedule cannot fire: a log line per node, and one activity entry however many
   * nodes find it (its id is derived from the schedule and its cron, so the log stores it once).
   */
  private void reportBroken(UUID id, String hostId, String type, String cronText, String reason) {
    String key = id + " " + cronText;
    if (!reportedBroken.add(key)) {
      return;
    }
    LOG.error("schedule {} ({} on {}) is broken and will not fire until it is fixed or deleted (seen by node {}): {}", id, type, hostId,
        config.nodeId(), reason);
    String eventId = UUID.nameUUIDFromBytes((SCHEDULE_BROKEN + ":" + key).getBytes(StandardCharsets.UTF_8)).toString();
    ActivityEvent ev = new ActivityEvent(ActivityEvent.TYPE, eventId, Instant.now(), SCHEDULE_BROKEN, null, config.nodeId(), null,
        ErrorCode.INVALID_REQUEST.wireName(), "schedule " + id + " (" + type + " on " + hostId + ") cannot fire: " + reason,
        Map.of("scheduleId", id.toString(), "hostId", hostId, "operationType", type, "cron", cronText, "reason", reason));
    vertx.eventBus().publish(Addresses.ACTIVITY_EVENTS, Json.toJsonObject(ev));
  }
}
