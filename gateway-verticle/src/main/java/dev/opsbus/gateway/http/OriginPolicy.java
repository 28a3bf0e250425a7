package dev.opsbus.gateway.http;

import dev.opsbus.model.ErrorCode;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.util.List;

/**
 * Which pages may open real-time sockets (the bridge, terminals): same-origin and listed origins,
 * and requests with no {@code Origin} at all (scripts, not browsers). {@code *} allows any.
 */
public final class OriginPolicy {

  private final List<String> allowed;

  public OriginPolicy(List<String> allowed) {
    this.allowed = List.copyOf(allowed);
  }

  public boolean allows(HttpServerRequest req) {
    String origin = req.getHeader("Origin");
    if (origin == null || allowed.contains("*") || allowed.contains(origin)) {
      return true;
    }
    try {
      String authority = URI.create(origin).getRawAuthority();
      String host = req.getHeader("Host");
      return authority != null && authority.equalsIgnoreCase(host);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** A route handler refusing a foreign origin with {@code 403 origin_not_allowed}; {@code what} ends the sentence. */
  public Handler<RoutingContext> guard(String what) {
    return ctx -> {
      if (allows(ctx.request())) {
        ctx.next();
      } else {
        ApiErrors.send(ctx, ErrorCode.ORIGIN_NOT_ALLOWED, "origin " + ctx.request().getHeader("Origin") + " may not " + what + " here");
      }
    };
  }
}
