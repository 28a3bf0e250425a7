package dev.opsbus.gateway.hosts;

import dev.opsbus.gateway.http.ApiErrors;
import dev.opsbus.gateway.http.Authn;
import dev.opsbus.gateway.http.Bodies;
import dev.opsbus.gateway.http.BusCalls;
import dev.opsbus.model.AddressPattern;
import dev.opsbus.model.Addresses;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.Json;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.Principal;
import dev.opsbus.model.Role;
import dev.opsbus.model.event.ActivityEvent;
import dev.opsbus.model.hosts.HostChange;
import dev.opsbus.model.hosts.HostRecord;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * {@code /api/hosts}: admins add, change and remove hosts and pin their host keys; users read the
 * hosts they are granted. Secrets go in encrypted and never come out.
 */
public final class HostApi {

  static final Pattern HOST_ID = Pattern.compile("^[a-z0-9][a-z0-9_-]{0,62}$");
  static final Pattern FINGERPRINT = Pattern.compile("^SHA256:[A-Za-z0-9+/]{43}$");

  private final Vertx vertx;
  private final HostStore hosts;
  private final Authn authn;
  private final BusCalls bus;
  private final Consumer<ActivityEvent> activity;
  private final String nodeId;

  public HostApi(Vertx vertx, HostStore hosts, Authn authn, BusCalls bus, Consumer<ActivityEvent> activity, String nodeId) {
    this.vertx = vertx;
    this.hosts = hosts;
    this.authn = authn;
    this.bus = bus;
    this.activity = activity;
    this.nodeId = nodeId;
  }

  public void mount(Router router) {
    router.route("/api/hosts*").handler(authn.required());
    router.get("/api/hosts").handler(this::list);
    router.post("/api/hosts").handler(Authn.role(Role.ADMIN)).handler(this::create);
    router.get("/api/hosts/:hostId").handler(this::get);
    router.put("/api/hosts/:hostId").handler(Authn.role(Role.ADMIN)).handler(this::update);
    router.delete("/api/hosts/:hostId").handler(Authn.role(Role.ADMIN)).handler(this::delete);
    router.get("/api/hosts/:hostId/host-key").handler(Authn.role(Role.ADMIN)).handler(this::scan);
    router.post("/api/hosts/:hostId/host-key").handler(Authn.role(Role.ADMIN)).handler(this::pin);
  }

  private void list(RoutingContext ctx) {
    Principal p = Authn.principal(ctx);
    hosts.list().onSuccess(all -> ctx.json(new JsonArray(all.stream().filter(h -> p.mayAccessHost(h.id())).map(Json::toJsonObject).toList())))
        .onFailure(err -> ApiErrors.fail(ctx, err));
  }

  private void get(RoutingContext ctx) {
    String id = ctx.pathParam("hostId");
    if (!Authn.principal(ctx).mayAccessHost(id)) {
      ApiErrors.send(ctx, ErrorCode.ACCESS_DENIED, "you are not granted host '" + id + "'");
      return;
    }
    hosts.get(id).onSuccess(h -> ctx.json(Json.toJsonObject(h))).onFailure(err -> ApiErrors.fail(ctx, err));
  }

  private void create(RoutingContext ctx) {
    JsonObject b = Bodies.object(ctx);
    String id = Bodies.requiredString(b, "id", 63);
    if (!HOST_ID.matcher(id).matches()) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "field 'id' must be 1-63 characters of a-z, 0-9, '-', '_', starting with a letter or digit");
    }
    String name = Bodies.optionalString(b, "name", 200);
    String address = Bodies.requiredString(b, "address", 255);
    Integer port = Bodies.optionalInt(b, "port", 1, 65535);
    String username = Bodies.requiredString(b, "username", 64);
    String[] auth = secret(b, true);
    HostStore.HostInput in = new HostStore.HostInput(id, name == null ? id : name, address, port == null ? 22 : port, username,
        auth[0], auth[1], logs(b));
    hosts.create(in).onSuccess(h -> {
      changed(ctx, "host_created", id);
      ctx.response().setStatusCode(201);
      ctx.json(Json.toJsonObject(h));
    }).onFailure(err -> ApiErrors.fail(ctx, err));
  }

  private void update(RoutingContext ctx) {
    String id = ctx.pathParam("hostId");
    JsonObject b = Bodies.object(ctx);
    String[] auth = secret(b, false);
    HostStore.HostInput in = new HostStore.HostInput(id, Bodies.optionalString(b, "name", 200), Bodies.optionalString(b, "address", 255),
        Bodies.optionalInt(b, "port", 1, 65535), Bodies.optionalString(b, "username", 64), auth[0], auth[1], logs(b));
    hosts.update(id, in).onSuccess(h -> {
      changed(ctx, "host_updated", id);
      ctx.json(Json.toJsonObject(h));
    }).onFailure(err -> ApiErrors.fail(ctx, err));
  }

  private void delete(RoutingContext ctx) {
    String id = ctx.pathParam("hostId");
    hosts.delete(id).onSuccess(v -> {
      changed(ctx, "host_deleted", id);
      ctx.response().setStatusCode(204).end();
    }).onFailure(err -> ApiErrors.fail(ctx, err));
  }

  /** What key the host offers right now, next to what is pinned: the admin decides. */
  private void scan(RoutingContext ctx) {
    String id = ctx.pathParam("hostId");
    hosts.get(id)
        .compose(h -> bus.<JsonObject>request(Addresses.SSH_HOSTKEY_SCAN, new JsonObject().put("hostId", id), Authn.principal(ctx), "SSH relay")
            .map(scan -> {
              String pinned = h.pinned();
              String offered = scan.getString("fingerprint");
              return new JsonObject().put("hostId", id).put("pinned", pinned).put("offered", offered)
                  .put("matches", offered != null && offered.equals(pinned));
            }))
        .onSuccess(ctx::json)
        .onFailure(err -> ApiErrors.fail(ctx, err));
  }

  private void pin(RoutingContext ctx) {
    String id = ctx.pathParam("hostId");
    String fp = Bodies.requiredString(Bodies.object(ctx), "fingerprint", 100);
    if (!FINGERPRINT.matcher(fp).matches()) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "field 'fingerprint' must read SHA256:<43 base64 characters>, as the host-key scan shows it");
    }
    hosts.pin(id, fp).onSuccess(h -> {
      changed(ctx, "host_key_pinned", id);
      ctx.json(Json.toJsonObject(h));
    }).onFailure(err -> ApiErrors.fail(ctx, err));
  }

  private void changed(RoutingContext ctx, String action, String id) {
    Principal p = Authn.principal(ctx);
    vertx.eventBus().publish(Addresses.HOSTS_CHANGED, Json.toJsonObject(HostChange.of(id, action)));
    activity.accept(ActivityEvent.of(action, p.username(), nodeId, null, null, action.replace('_', ' ') + ": " + id, Map.of("hostId", id)));
  }

  /** [authType, secret]: exactly one of password and privateKey on create; at most one on update. */
  private static String[] secret(JsonObject b, boolean required) {
    String password = Bodies.optionalString(b, "password", 1024);
    String key = Bodies.optionalString(b, "privateKey", 16 * 1024);
    if (password != null && key != null) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "give either 'password' or 'privateKey', not both");
    }
    if (required && password == null && key == null) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "field 'password' or 'privateKey' is required");
    }
    return password != null ? new String[] {HostRecord.PASSWORD, password} : key != null ? new String[] {HostRecord.KEY, key} : new String[] {null, null};
  }

  private static JsonArray logs(JsonObject b) {
    JsonArray logs = Bodies.optionalArray(b, "logs");
    if (logs == null) {
      return null;
    }
    for (Object o : logs) {
      if (!(o instanceof JsonObject l) || !(l.getValue("stream") instanceof String s) || !s.matches(AddressPattern.SEGMENT)
          || !(l.getValue("path") instanceof String path) || path.isBlank()) {
        throw new OpsbusException(ErrorCode.INVALID_REQUEST, "field 'logs' holds objects {\"stream\": <letters, digits, '-', '_'>, \"path\": <file>}");
      }
    }
    return logs;
  }

}
