package dev.opsbus.gateway.http;

import dev.opsbus.gateway.auth.PasswordHasher;
import dev.opsbus.gateway.auth.PasswordPolicy;
import dev.opsbus.gateway.auth.TokenRevocations;
import dev.opsbus.gateway.auth.TokenService;
import dev.opsbus.gateway.auth.User;
import dev.opsbus.gateway.auth.UserStore;
import dev.opsbus.model.BusFailures;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.Principal;
import dev.opsbus.model.Role;
import dev.opsbus.model.event.ActivityEvent;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/** {@code POST /api/login}, {@code /api/logout}, {@code /api/token/refresh} and {@code GET /api/me}. */
public final class AuthApi {

  private final UserStore users;
  private final PasswordHasher hasher;
  private final TokenService tokens;
  private final Authn authn;
  private final Consumer<ActivityEvent> activity;
  private final String nodeId;
  private final ClientAddress clients;
  static final int MAX_PER_USER_AND_SOURCE = 10;
  static final int MAX_PER_SOURCE = 50;
  static final long THROTTLE_WINDOW_MS = 60_000;
  private LoginLimiter throttle = LoginLimiter.local(
      new LoginThrottle(MAX_PER_USER_AND_SOURCE, MAX_PER_SOURCE, THROTTLE_WINDOW_MS));
  private final TokenRevocations revocations;

  public AuthApi(UserStore users, PasswordHasher hasher, TokenService tokens, Authn authn, Consumer<ActivityEvent> activity, String nodeId,
      ClientAddress clients, TokenRevocations revocations) {
    this.revocations = revocations;
    this.clients = clients;
    this.users = users;
    this.hasher = hasher;
    this.tokens = tokens;
    this.authn = authn;
    this.activity = activity;
    this.nodeId = nodeId;
  }

  /** In a cluster, the login throttle counts every node's attempts ({@link ClusterLoginThrottle}); alone, this node's. */
  public AuthApi clusterWide(io.vertx.core.Vertx vertx) {
    if (vertx.isClustered()) {
      throttle = new ClusterLoginThrottle(vertx, new LoginThrottle(MAX_PER_USER_AND_SOURCE, MAX_PER_SOURCE, THROTTLE_WINDOW_MS),
          MAX_PER_USER_AND_SOURCE, MAX_PER_SOURCE, THROTTLE_WINDOW_MS, System::currentTimeMillis);
    }
    return this;
  }

  public void mount(Router router) {
    router.post("/api/login").handler(this::login);
    router.post("/api/logout").handler(authn.required()).handler(this::logout);
    router.get("/api/me").handler(authn.required()).handler(this::me);
    router.post("/api/token/refresh").handler(authn.required()).handler(this::refresh);
  }

  private void login(RoutingContext ctx) {
    JsonObject body = Bodies.object(ctx);
    String username = Bodies.requiredString(body, "username", 128);
    String password = Bodies.requiredString(body, "password", 1024);
    PasswordPolicy.requireHashable("password", password);
    String remote = clients.of(ctx.request());
    // the slot is taken before bcrypt runs: parallel guesses cannot all slip past the check
    throttle.reserve(remote, username).onComplete(ar -> {
      long wait = ar.succeeded() ? ar.result() : 0;
      if (wait > 0) {
        ctx.response().putHeader("Retry-After", String.valueOf(wait));
        ApiErrors.send(ctx, ErrorCode.RATE_LIMITED, "too many failed logins: try again in " + wait + " s");
        return;
      }
      checkPassword(ctx, username, password, remote);
    });
  }

  private void checkPassword(RoutingContext ctx, String username, String password, String remote) {
    users.find(username)
        .compose(found -> hasher.verify(password, found.map(User::passwordHash).orElse(null))
            .map(ok -> ok ? found : Optional.<User>empty()))
        .onSuccess(user -> {
          if (user.isEmpty()) {
            activity.accept(ActivityEvent.of(ActivityEvent.LOGIN_FAILED, username, nodeId, null,
                ErrorCode.INVALID_CREDENTIALS.wireName(), "wrong username or password", Map.of("remote", remote)));
            ApiErrors.send(ctx, ErrorCode.INVALID_CREDENTIALS, "wrong username or password");
            return;
          }
          throttle.succeeded(remote, username);
          User u = user.get();
          if (u.disabled()) {
            activity.accept(ActivityEvent.of(ActivityEvent.LOGIN_FAILED, username, nodeId, null,
                ErrorCode.ACCESS_DENIED.wireName(), "user is disabled", Map.of("remote", remote)));
            ApiErrors.send(ctx, ErrorCode.ACCESS_DENIED, "user '" + username + "' is disabled: an admin can enable it again");
            return;
          }
          TokenService.Issued issued = tokens.issue(u.username(), u.roles(), u.hosts(), u.tokenVersion());
          activity.accept(ActivityEvent.of(ActivityEvent.LOGIN, u.username(), nodeId, null, null, "logged in", Map.of("remote", remote)));
          answerWithToken(ctx, issued, u.username(), u.roles());
        })
        .onFailure(err -> {
          throttle.released(remote, username);
          ApiErrors.fail(ctx, err);
        });
  }

  private void answerWithToken(RoutingContext ctx, TokenService.Issued issued, String username, java.util.Set<Role> roles) {
    ctx.response().addCookie(authn.tokenCookie(ctx.request(), issued.token(), tokens.ttl()));
    ctx.json(new JsonObject()
        .put("token", issued.token())
        .put("expiresAt", issued.expiresAt().toString())
        .put("user", new JsonObject().put("username", username)
            .put("roles", new JsonArray(roles.stream().map(Role::wireName).sorted().toList()))));
  }

  /** Ends every token of the user, on every node (and every socket holding one), not only this one's cookie. */
  private void logout(RoutingContext ctx) {
    Principal p = Authn.principal(ctx);
    revocations.revokeAll(p.username())
        .recover(err -> BusFailures.codeOf(err) == ErrorCode.NOT_FOUND ? Future.succeededFuture() : Future.failedFuture(err))
        .onSuccess(v -> {
          activity.accept(ActivityEvent.of(ActivityEvent.LOGOUT, p.username(), nodeId, null, null, "logged out", Map.of()));
          ctx.response().addCookie(authn.clearedCookie(ctx.request()));
          ctx.response().setStatusCode(204).end();
        })
        .onFailure(err -> ApiErrors.fail(ctx, err));
  }

  private void me(RoutingContext ctx) {
    Principal p = Authn.principal(ctx);
    ctx.json(new JsonObject()
        .put("username", p.username())
        .put("roles", new JsonArray(p.roles().stream().map(Role::wireName).sorted().toList()))
        .put("hosts", new JsonArray(p.hosts().stream().sorted().toList()))
        .put("expiresAt", p.expiresAt().toString()));
  }

  /** A fresh token with the user's current roles and grants (read again from the database). */
  private void refresh(RoutingContext ctx) {
    Principal p = Authn.principal(ctx);
    users.find(p.username())
        .compose(found -> found.isPresent() && !found.get().disabled() ? Future.succeededFuture(found.get())
            : Future.<User>failedFuture(new OpsbusException(ErrorCode.INVALID_TOKEN,
                found.isPresent() ? "the user of this token is disabled" : "the user of this token no longer exists")))
        .onSuccess(u -> {
          TokenService.Issued issued = tokens.issue(u.username(), u.roles(), u.hosts(), u.tokenVersion());
          activity.accept(ActivityEvent.of(ActivityEvent.TOKEN_REFRESH, u.username(), nodeId, null, null, "token refreshed", Map.of()));
          answerWithToken(ctx, issued, u.username(), u.roles());
        })
        .onFailure(err -> ApiErrors.fail(ctx, err));
  }
}
