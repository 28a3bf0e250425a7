package dev.opsbus.gateway.http;

import dev.opsbus.gateway.auth.Bearer;
import dev.opsbus.gateway.auth.TokenService;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.Principal;
import dev.opsbus.model.Role;
import io.vertx.core.Handler;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;

/**
 * Who is calling: the token from {@code Authorization: Bearer} or the {@code opsbus_token} cookie,
 * verified, put on the routing context as a {@link Principal}.
 */
public final class Authn {

  public static final String COOKIE = "opsbus_token";
  static final String PRINCIPAL = "opsbus.principal";
  static final String TOKEN = "opsbus.token";

  private final TokenService tokens;
  private final boolean secureCookie;
  private final ClientAddress clients;

  /**
   * @param secureCookie always mark the cookie Secure; otherwise it is Secure when the request came
   *     over TLS (or a trusted proxy says it did)
   */
  public Authn(TokenService tokens, boolean secureCookie, ClientAddress clients) {
    this.tokens = tokens;
    this.secureCookie = secureCookie;
    this.clients = clients;
  }

  /** The token a request carries, header first, then cookie; null when none. */
  public static String tokenOf(HttpServerRequest request) {
    String bearer = Bearer.token(request.getHeader("Authorization"));
    if (bearer != null) {
      return bearer;
    }
    Cookie c = request.getCookie(COOKIE);
    return c == null || c.getValue().isEmpty() ? null : c.getValue();
  }

  /** Requires a valid token: 401 with {@code not_logged_in}, {@code token_expired} or {@code invalid_token} otherwise. */
  public Handler<RoutingContext> required() {
    return ctx -> {
      String token = tokenOf(ctx.request());
      boolean held = UpgradeHold.pauseIfUpgrade(ctx.request());
      tokens.verify(token).onComplete(ar -> {
        if (ar.succeeded()) {
          ctx.put(PRINCIPAL, ar.result());
          ctx.put(TOKEN, token);
          ctx.next();
        } else {
          if (held) {
            // a refused upgrade is answered like any request: let its end through again
            ctx.request().resume();
          }
          ApiErrors.fail(ctx, ar.cause());
        }
      });
    };
  }

  /** Requires one of the roles; 403 {@code access_denied} otherwise. Goes after {@link #required()}. */
  public static Handler<RoutingContext> role(Role... roles) {
    Set<Role> wanted = Set.of(roles);
    return ctx -> {
      Principal p = principal(ctx);
      if (p.hasAnyRole(wanted)) {
        ctx.next();
      } else {
        ApiErrors.fail(ctx, new OpsbusException(ErrorCode.ACCESS_DENIED,
            "this needs one of the roles " + Arrays.stream(roles).map(Role::wireName).toList()));
      }
    };
  }

  public static Principal principal(RoutingContext ctx) {
    return ctx.get(PRINCIPAL);
  }

  public static String token(RoutingContext ctx) {
    return ctx.get(TOKEN);
  }

  Cookie tokenCookie(HttpServerRequest req, String token, Duration ttl) {
    return Cookie.cookie(COOKIE, token).setPath("/").setHttpOnly(true).setSecure(secure(req))
        .setSameSite(CookieSameSite.STRICT).setMaxAge(ttl.toSeconds());
  }

  Cookie clearedCookie(HttpServerRequest req) {
    return Cookie.cookie(COOKIE, "").setPath("/").setHttpOnly(true).setSecure(secure(req))
        .setSameSite(CookieSameSite.STRICT).setMaxAge(0);
  }

  private boolean secure(HttpServerRequest req) {
    return secureCookie || clients.secure(req);
  }
}
