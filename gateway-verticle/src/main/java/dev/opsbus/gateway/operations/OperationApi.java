package dev.opsbus.gateway.operations;

import dev.opsbus.gateway.http.ApiErrors;
import dev.opsbus.gateway.http.Authn;
import dev.opsbus.gateway.http.Bodies;
import dev.opsbus.gateway.http.BusCalls;
import dev.opsbus.model.Addresses;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.Role;
import dev.opsbus.model.event.Operation;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.regex.Pattern;
import dev.opsbus.model.wire.ActivityQuery;
import dev.opsbus.model.wire.OperationQuery;
import dev.opsbus.model.wire.OperationRef;
import dev.opsbus.model.wire.ScheduleRequest;
import dev.opsbus.model.wire.StartOperation;
import java.util.Map;
import java.util.UUID;

/**
 * Operations, schedules and the activity log over HTTP. The operations verticle decides (roles,
 * host grants, parameters, dedupe); this class asks it on the user's behalf and maps its coded
 * refusals to statuses: unknown host 404, bad parameter 400 naming the field, not allowed 403.
 */
public final class OperationApi {

  private static final Pattern HOST_ID = Pattern.compile("^[A-Za-z0-9_-]{1,63}$");
  private static final List<String> STATUSES = List.of(Operation.PENDING, Operation.IN_PROGRESS, Operation.COMPLETED, Operation.FAILED, Operation.CANCELLED);

  private final Authn authn;
  private final BusCalls bus;

  public OperationApi(Authn authn, BusCalls bus) {
    this.authn = authn;
    this.bus = bus;
  }

  public void mount(Router router) {
    router.post("/api/hosts/:hostId/operations").handler(authn.required()).handler(this::start);
    router.get("/api/operation-types").handler(authn.required()).handler(ctx -> ask(ctx, Addresses.OPS_TYPES, new JsonObject(), 200));
    router.route("/api/operations*").handler(authn.required());
    router.get("/api/operations").handler(this::list);
    router.get("/api/operations/:id").handler(ctx -> ask(ctx, Addresses.OPS_GET, new OperationRef(ctx.pathParam("id")).toJson(), 200));
    router.post("/api/operations/:id/cancel").handler(ctx -> ask(ctx, Addresses.OPS_CANCEL, new OperationRef(ctx.pathParam("id")).toJson(), 202));
    router.route("/api/schedules*").handler(authn.required()).handler(Authn.role(Role.ADMIN));
    router.get("/api/schedules").handler(ctx -> ask(ctx, Addresses.OPS_SCHEDULES, ScheduleRequest.list().toJson(), 200));
    router.post("/api/schedules").handler(ctx -> ask(ctx, Addresses.OPS_SCHEDULES, schedule(Bodies.object(ctx)).toJson(), 201));
    router.post("/api/schedules/:id/pause").handler(ctx -> ask(ctx, Addresses.OPS_SCHEDULES, ScheduleRequest.pause(ctx.pathParam("id")).toJson(), 200));
    router.post("/api/schedules/:id/resume").handler(ctx -> ask(ctx, Addresses.OPS_SCHEDULES, ScheduleRequest.resume(ctx.pathParam("id")).toJson(), 200));
    router.delete("/api/schedules/:id").handler(ctx -> ask(ctx, Addresses.OPS_SCHEDULES, ScheduleRequest.delete(ctx.pathParam("id")).toJson(), 200));
    router.get("/api/activity").handler(authn.required()).handler(Authn.role(Role.ADMIN)).handler(this::activity);
  }

  private void start(RoutingContext ctx) {
    JsonObject b = Bodies.object(ctx);
    String type = Bodies.requiredString(b, "type", 100);
    Object params = b.getValue("params");
    if (params != null && !(params instanceof JsonObject)) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "field 'params' must be an object");
    }
    String key = ctx.request().getHeader("Idempotency-Key");
    if (key == null) {
      key = Bodies.optionalString(b, "idempotencyKey", 200);
    }
    if (key == null) {
      // one per HTTP request: the start may then be asked again on another node when the first one
      // does not answer (a node that just died) without ever starting twice
      key = StartOperation.PER_REQUEST_KEY_PREFIX + UUID.randomUUID();
    }
    // the key goes as given: the operations service keeps it under the caller's identity, host and type
    StartOperation req = StartOperation.byUser(ctx.pathParam("hostId"), type,
        params == null ? Map.of() : ((JsonObject) params).getMap(), key);
    ask(ctx, Addresses.OPS_START, req.toJson(), 202);
  }

  private void list(RoutingContext ctx) {
    String hostId = query(ctx, "hostId");
    if (hostId != null && !HOST_ID.matcher(hostId).matches()) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "hostId: '" + shortened(hostId) + "' is not a host id");
    }
    String status = query(ctx, "status");
    if (status != null && !STATUSES.contains(status)) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "status: one of " + STATUSES);
    }
    String type = query(ctx, "type");
    if (type != null && type.length() > 100) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "type: at most 100 characters");
    }
    String before = query(ctx, "before");
    String since = ctx.queryParams().get("sinceVersion");
    if (since == null) {
      since = ctx.queryParams().get("sinceSeq");
    }
    OperationQuery req = OperationQuery.history(hostId, status, type, before == null ? null : time("before", before),
        intParam(ctx, "limit", 100, 1, 500), since == null ? null : longParam("sinceVersion", since));
    ask(ctx, Addresses.OPS_LIST, req.toJson(), 200);
  }

  /** The schedule to create, field by field: nothing but what the scheduler reads goes on the bus. */
  private static ScheduleRequest schedule(JsonObject b) {
    String hostId = Bodies.requiredString(b, "hostId", 63);
    String type = Bodies.requiredString(b, "type", 100);
    String cron = Bodies.requiredString(b, "cron", 200);
    Object params = b.getValue("params");
    if (params != null && !(params instanceof JsonObject)) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "field 'params' must be an object");
    }
    return ScheduleRequest.create(hostId, type, cron, params == null ? null : ((JsonObject) params).getMap());
  }

  private void activity(RoutingContext ctx) {
    int limit = intParam(ctx, "limit", 100, 1, 1000);
    String since = ctx.queryParams().get("since");
    String sinceSeq = ctx.queryParams().get("sinceSeq");
    String beforeSeq = ctx.queryParams().get("beforeSeq");
    ActivityQuery req;
    if (sinceSeq != null) {
      req = new ActivityQuery(limit, longParam("sinceSeq", sinceSeq), null, null);
    } else if (beforeSeq != null) {
      req = new ActivityQuery(limit, null, longParam("beforeSeq", beforeSeq), null);
    } else {
      req = new ActivityQuery(limit, null, null, since == null ? null : time("since", since));
    }
    // filters: who, what kind (the action), which host, the time window
    String user = query(ctx, "user");
    String action = query(ctx, "action");
    String hostId = query(ctx, "hostId");
    if (hostId != null && !HOST_ID.matcher(hostId).matches()) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "hostId: '" + shortened(hostId) + "' is not a host id");
    }
    String from = query(ctx, "from");
    String until = query(ctx, "until");
    req = req.filtered(user == null ? null : bounded("user", user, 63), action == null ? null : bounded("action", action, 100), hostId,
        from == null ? null : time("from", from), until == null ? null : time("until", until));
    ask(ctx, Addresses.ACTIVITY_LIST, req.toJson(), 200);
  }

  private static String query(RoutingContext ctx, String name) {
    String v = ctx.queryParams().get(name);
    return v == null || v.isEmpty() ? null : v;
  }

  private static String bounded(String name, String v, int max) {
    if (v.length() > max) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, name + ": at most " + max + " characters");
    }
    return v;
  }

  private static String time(String name, String v) {
    try {
      return OffsetDateTime.parse(v).toString();
    } catch (DateTimeParseException e) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, name + ": an ISO-8601 time with an offset, such as 2026-11-22T10:00:00Z");
    }
  }

  private static int intParam(RoutingContext ctx, String name, int dflt, int min, int max) {
    String v = ctx.queryParams().get(name);
    if (v == null) {
      return dflt;
    }
    long n = longParam(name, v);
    if (n < min || n > max) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, name + ": from " + min + " to " + max);
    }
    return (int) n;
  }

  private static long longParam(String name, String v) {
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, name + ": must be a whole number");
    }
  }

  private static String shortened(String v) {
    return v.length() > 64 ? v.substring(0, 64) + "..." : v;
  }

  private void ask(RoutingContext ctx, String address, JsonObject body, int status) {
    bus.<JsonObject>request(address, body, Authn.principal(ctx), "operations service")
        .onSuccess(reply -> {
          ctx.response().setStatusCode(status);
          ctx.json(reply);
        })
        .onFailure(err -> ApiErrors.fail(ctx, err));
  }
}
