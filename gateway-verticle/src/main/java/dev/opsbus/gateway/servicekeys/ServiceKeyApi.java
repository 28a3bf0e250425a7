package dev.opsbus.gateway.servicekeys;

import dev.opsbus.gateway.http.ApiErrors;
import dev.opsbus.gateway.http.Authn;
import dev.opsbus.gateway.http.Bodies;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.Json;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.Principal;
import dev.opsbus.model.Role;
import dev.opsbus.model.event.ActivityEvent;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * {@code POST|GET /api/service-keys}, {@code DELETE /api/service-keys/{name}}: admins only. The
 * secret is in the answer to the POST and nowhere else, ever; a listing shows each key's scope and
 * last use and expiry ({@link KeyExpiry}); a DELETE revokes (the name stays, revoked) and cuts the key's connections on every node.
 */
public final class ServiceKeyApi {

  public static final String KEY_CREATED = "service_key_created";
  public static final String KEY_REVOKED = "service_key_revoked";
  private static final int MAX_PATTERNS = 64;

  private final ServiceKeys keys;
  private final Authn authn;
  private final Consumer<ActivityEvent> activity;
  private final String nodeId;

  public ServiceKeyApi(ServiceKeys keys, Authn authn, Consumer<ActivityEvent> activity, String nodeId) {
    this.keys = keys;
    this.authn = authn;
    this.activity = activity;
    this.nodeId = nodeId;
  }

  public void mount(Router router) {
    router.route("/api/service-keys*").handler(authn.required()).handler(Authn.role(Role.ADMIN));
    router.get("/api/service-keys").handler(this::list);
    router.post("/api/service-keys").handler(this::create);
    router.delete("/api/service-keys/:name").handler(this::revoke);
  }

  private void list(RoutingContext ctx) {
    keys.store().list().onSuccess(all -> ctx.json(new JsonArray(all.stream().map(ServiceKey::toJson).toList())))
        .onFailure(err -> ApiErrors.fail(ctx, err));
  }

  private void create(RoutingContext ctx) {
    JsonObject body = Bodies.object(ctx);
    String name = Bodies.requiredString(body, "name", 63);
    JsonArray roleList = Bodies.optionalArray(body, "roles");
    Set<Role> roles = new LinkedHashSet<>();
    for (Object r : roleList == null ? new JsonArray().add(Role.SERVICE.wireName()) : roleList) {
      try {
        roles.add(Role.parse(String.valueOf(r)));
      } catch (IllegalArgumentException e) {
        throw new OpsbusException(ErrorCode.INVALID_REQUEST, e.getMessage());
      }
    }
    if (roles.isEmpty()) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "a key needs at least one role");
    }
    Set<String> hosts = new LinkedHashSet<>();
    JsonArray hostList = Bodies.optionalArray(body, "hosts");
    if (hostList != null) {
      hostList.forEach(h -> hosts.add(String.valueOf(h)));
    }
    KeyGrants grants = grants(body.getValue("grants"));
    Instant expiresAt = KeyExpiry.of(body, Instant.now());
    String secret = KeySecret.generate();
    Principal admin = Authn.principal(ctx);
    keys.store().create(name, KeySecret.sha256(secret), roles, hosts, grants, admin.username(), expiresAt)
        .onSuccess(k -> {
          activity.accept(ActivityEvent.of(KEY_CREATED, admin.username(), nodeId, null, null, "created service key " + name,
              Map.of("key", name, "roles", k.toJson().getValue("roles"))));
          ctx.response().setStatusCode(201);
          ctx.json(k.toJson().put("secret", secret));
        })
        .onFailure(err -> ApiErrors.fail(ctx, err));
  }

  private void revoke(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    Principal admin = Authn.principal(ctx);
    keys.revoke(name)
        .onSuccess(k -> {
          activity.accept(ActivityEvent.of(KEY_REVOKED, admin.username(), nodeId, null, null, "revoked service key " + name, Map.of("key", name)));
          ctx.json(k.toJson());
        })
        .onFailure(err -> ApiErrors.fail(ctx, err));
  }

  private static KeyGrants grants(Object raw) {
    if (raw == null) {
      return KeyGrants.NONE;
    }
    if (!(raw instanceof JsonObject o)) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "field 'grants' must be an object {publish, send, request, serve}");
    }
    for (String f : o.fieldNames()) {
      if (!Set.of("publish", "send", "request", "serve").contains(f)) {
        throw new OpsbusException(ErrorCode.INVALID_REQUEST, "grants has no field '" + f + "' (publish, send, request, serve)");
      }
      if (!(o.getValue(f) instanceof JsonArray a) || a.size() > MAX_PATTERNS || !a.stream().allMatch(String.class::isInstance)) {
        throw new OpsbusException(ErrorCode.INVALID_REQUEST, "grants." + f + " must be a list of at most " + MAX_PATTERNS + " address patterns");
      }
      for (Object p : (JsonArray) o.getValue(f)) {
        try {
          new GrantPattern((String) p);
        } catch (IllegalArgumentException e) {
          throw new OpsbusException(ErrorCode.INVALID_REQUEST, "grants." + f + ": " + e.getMessage());
        }
      }
    }
    return Json.fromJsonObject(o, KeyGrants.class);
  }
}
