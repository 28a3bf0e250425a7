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
    router.get("/api/operations/:id").handler(ctx -> ask(ctx, Addresses.OPS_GET, new JsonObject().put("operationId", ctx.pathParam("id")), 200));
    router.post("/api/operations/:id/cancel").handler(ctx -> ask(ctx, Addresses.OPS_CANCEL, new JsonObject().put("operationId", ctx.pathParam("id")), 202));
    router.route("/api/schedules*").handler(authn.required()).handler(Authn.role(Role.ADMIN));
    router.get("/api/schedules").handler(ctx -> ask(ctx, Addresses.OPS_SCHEDULES, new JsonObject().put("action", "list"), 200));
    router.post("/api/schedules").handler(ctx -> ask(ctx, Addresses.OPS_SCHEDULES, schedule(Bodies.object(ctx)), 201));
    router.delete("/api/schedules/:id").handler(ctx -> ask(ctx, Addresses.OPS_SCHEDULES,
        new JsonObject().put("action", "delete").put("id", ctx.pathParam("id")), 200));
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
      key = "request:" + UUID.randomUUID();
    }
    // a key is the user's own: two users using the same key start two operations
    String scopedKey = Authn.principal(ctx).username() + ":" + key;
    StartOperation req = StartOperation.byUser(ctx.pathParam("hostId"), type,
        params == null ? Map.of() : ((JsonObject) params).getMap(), scopedKey);
    ask(ctx, Addresses.OPS_START, req.toJson(), 202);
  }

  private void list(RoutingContext ctx) {
    JsonObject req = new JsonObject();
    String hostId = query(ctx, "hostId");
    if (hostId != null) {
      if (!HOST_ID.matcher(hostId).matches()) {
        throw new OpsbusException(ErrorCode.INVALID_REQUEST, "hostId: '" + shortened(hostId) + "' is not a host id");
      }
      req.put("hostId", hostId);
    }
    String status = query(ctx, "status");
    if (status != null) {
      if (!STATUSES.contains(status)) {
        throw new OpsbusException(ErrorCode.INVALID_REQUEST, "status: one of " + STATUSES);
      }
      req.put("status", status);
    }
    String type = query(ctx, "type");
    if (type != null) {
      if (type.length() > 100) {
        throw new OpsbusException(ErrorCode.INVALID_REQUEST, "type: at most 100 characters");
      }
      req.put("type", type);
    }
    String before = query(ctx, "before");
    if (before != null) {
      req.put("before", time("before", before));
    }
    req.put("limit", intParam(ctx, "limit", 100, 1, 500));
    String since = ctx.queryParams().get("sinceVersion");
    if (since == null) {
      since = ctx.queryParams().get("sinceSeq");
    }
    if (since != null) {
      req.put("sinceSeq", longParam("sinceVersion", since));
    }
    ask(ctx, Addresses.OPS_LIST, req, 200);
  }

  /** The schedule to create, field by field: nothing but what the scheduler reads goes on the bus. */
  private static JsonObject schedule(JsonObject b) {
    JsonObject req = new JsonObject().put("action", "create")
        .put("hostId", Bodies.requiredString(b, "hostId", 63))
        .put("type", Bodies.requiredString(b, "type", 100))
        .put("cron", Bodies.requiredString(b, "cron", 200));
    Object params = b.getValue("params");
    if (params != null && !(params instanceof JsonObject)) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "field 'params' must be an object");
    }
    if (params != null) {
      req.put("params", params);
    }
    return req;
  }

  private void activity(RoutingContext ctx) {
    JsonObject req = new JsonObject().put("limit", intParam(ctx, "limit", 100, 1, 1000));
    String since = ctx.queryParams().get("since");
    String sinceSeq = ctx.queryParams().get("sinceSeq");
    String beforeSeq = ctx.queryParams().get("beforeSeq");
    if (sinceSeq != null) {
      req.put("sinceSeq", longParam("sinceSeq", sinceSeq));
    } else if (beforeSeq != null) {
      req.put("beforeSeq", longParam("beforeSeq", beforeSeq));
    } else if (since != null) {
      req.put("since", time("since", since));
    }
    ask(ctx, Addresses.ACTIVITY_LIST, req, 200);
  }

  private static String query(RoutingContext ctx, String name) {
    String v = ctx.queryParams().get(name);
    return v == null || v.isEmpty() ? null : v;
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
