package dev.opsbus.gateway.http;

import dev.opsbus.gateway.auth.PasswordHasher;
import dev.opsbus.gateway.auth.PasswordPolicy;
import dev.opsbus.gateway.auth.TokenRevocations;
import dev.opsbus.gateway.auth.User;
import dev.opsbus.gateway.auth.UserStore;
import dev.opsbus.model.AddressPattern;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.Principal;
import dev.opsbus.model.Role;
import dev.opsbus.model.event.ActivityEvent;
import dev.opsbus.model.wire.UserRevoked;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/** {@code GET|POST /api/users}, {@code PUT|DELETE /api/users/{username}}: admins only. */
public final class UserApi {

  private final UserStore users;
  private final PasswordHasher hasher;
  private final Authn authn;
  private final Consumer<ActivityEvent> activity;
  private final String nodeId;
  private final TokenRevocations revocations;

  /** Every change of a user revokes its tokens ({@code revocations}): a demoted admin's old token is an admin's no more. */
  public UserApi(UserStore users, PasswordHasher hasher, Authn authn, Consumer<ActivityEvent> activity, String nodeId,
      TokenRevocations revocations) {
    this.revocations = revocations;
    this.users = users;
    this.hasher = hasher;
    this.authn = authn;
    this.activity = activity;
    this.nodeId = nodeId;
  }

  public void mount(Router router) {
    router.route("/api/users*").handler(authn.required()).handler(Authn.role(Role.ADMIN));
    router.get("/api/users").handler(this::list);
    router.post("/api/users").handler(this::create);
    router.put("/api/users/:username").handler(this::update);
    router.delete("/api/users/:username").handler(this::delete);
  }

  private void list(RoutingContext ctx) {
    users.list().onSuccess(all -> ctx.json(new JsonArray(all.stream().map(User::toJson).toList())))
        .onFailure(err -> ApiErrors.fail(ctx, err));
  }

  private void create(RoutingContext ctx) {
    JsonObject body = Bodies.object(ctx);
    String username = Bodies.requiredString(body, "username", 63);
    String password = password(Bodies.requiredString(body, "password", 1024));
    Set<Role> roles = roles(Bodies.optionalArray(body, "roles"), true);
    Set<String> hosts = hosts(Bodies.optionalArray(body, "hosts"));
    hasher.hash(password)
        .compose(hash -> users.create(username, hash, roles, hosts == null ? Set.of() : hosts))
        .onSuccess(u -> {
          record(ctx, ActivityEvent.USER_CREATED, u);
          ctx.response().setStatusCode(201);
          ctx.json(u.toJson());
        })
        .onFailure(err -> ApiErrors.fail(ctx, err));
  }

  private void update(RoutingContext ctx) {
    String username = ctx.pathParam("username");
    JsonObject body = Bodies.object(ctx);
    String password = Bodies.optionalString(body, "password", 1024);
    Set<Role> roles = roles(Bodies.optionalArray(body, "roles"), false);
    Set<String> hosts = hosts(Bodies.optionalArray(body, "hosts"));
    Boolean disabled = Bodies.optionalBoolean(body, "disabled");
    if (Boolean.TRUE.equals(disabled) && username.equals(Authn.principal(ctx).username())) {
      ApiErrors.send(ctx, ErrorCode.INVALID_REQUEST, "you cannot disable the user you are logged in as");
      return;
    }
    Future<String> hash = password == null ? Future.succeededFuture(null) : hasher.hash(password(password));
    hash.compose(h -> users.update(username, h, roles, hosts))
        .compose(u -> disabled == null || disabled == u.disabled() ? Future.succeededFuture(u) : users.setDisabled(username, disabled))
        .onSuccess(u -> {
          revocations.announce(UserRevoked.bumped(u.username(), u.tokenVersion()));
          record(ctx, disabled == null ? ActivityEvent.USER_UPDATED : disabled ? ActivityEvent.USER_DISABLED : ActivityEvent.USER_ENABLED, u);
          ctx.json(u.toJson());
        })
        .onFailure(err -> ApiErrors.fail(ctx, err));
  }

  private void delete(RoutingContext ctx) {
    String username = ctx.pathParam("username");
    if (username.equals(Authn.principal(ctx).username())) {
      ApiErrors.send(ctx, ErrorCode.INVALID_REQUEST, "you cannot delete the user you are logged in as");
      return;
    }
    users.delete(username)
        .onSuccess(v -> {
          revocations.announce(UserRevoked.gone(username));
          Principal p = Authn.principal(ctx);
          activity.accept(ActivityEvent.of(ActivityEvent.USER_DELETED, p.username(), nodeId, null, null,
              "deleted user " + username, Map.of("user", username)));
          ctx.response().setStatusCode(204).end();
        })
        .onFailure(err -> ApiErrors.fail(ctx, err));
  }

  private void record(RoutingContext ctx, String action, User u) {
    Principal p = Authn.principal(ctx);
    activity.accept(ActivityEvent.of(action, p.username(), nodeId, null, null, action.replace('_', ' ') + ": " + u.username(),
        Map.of("user", u.username(), "roles", u.toJson().getJsonArray("roles").getList(), "hosts", u.toJson().getJsonArray("hosts").getList())));
  }

  private static String password(String p) {
    PasswordPolicy.require("password", p);
    return p;
  }

  private static Set<Role> roles(JsonArray array, boolean required) {
    if (array == null) {
      if (required) {
        throw new OpsbusException(ErrorCode.INVALID_REQUEST, "field 'roles' is required: one or more of admin, operator, viewer, service");
      }
      return null;
    }
    Set<Role> roles = new LinkedHashSet<>();
    for (Object o : array) {
      if (!(o instanceof String r)) {
        throw new OpsbusException(ErrorCode.INVALID_REQUEST, "field 'roles' must be a list of role names (strings)");
      }
      try {
        roles.add(Role.parse(r));
      } catch (IllegalArgumentException e) {
        throw new OpsbusException(ErrorCode.INVALID_REQUEST, "field 'roles': " + e.getMessage());
      }
    }
    if (roles.isEmpty()) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "field 'roles' must name at least one role");
    }
    return roles;
  }

  private static Set<String> hosts(JsonArray array) {
    if (array == null) {
      return null;
    }
    Set<String> hosts = new LinkedHashSet<>();
    for (Object o : array) {
      if (!(o instanceof String h)) {
        throw new OpsbusException(ErrorCode.INVALID_REQUEST, "field 'hosts' must be a list of host ids (strings)");
      }
      if (!h.equals(Principal.ALL_HOSTS) && !h.matches(AddressPattern.SEGMENT)) {
        throw new OpsbusException(ErrorCode.INVALID_REQUEST, "field 'hosts': '" + h + "' is not a host id (letters, digits, '-', '_') or \"*\"");
      }
      hosts.add(h);
    }
    return hosts;
  }
}
