package dev.opsbus.gateway.http;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * Headers on every API answer: {@code Cache-Control: no-store}, since answers carry tokens and
 * what only one user may see, and no shared cache or browser history should keep them; and
 * {@code X-Content-Type-Options: nosniff}, so a browser never reads a JSON answer as a page or script.
 */
public final class SecurityHeaders {

  private SecurityHeaders() {
  }

  public static void handle(RoutingContext ctx) {
    apply(ctx.response());
    ctx.next();
  }

  static void apply(HttpServerResponse response) {
    if (!response.headWritten()) {
      response.putHeader("Cache-Control", "no-store").putHeader("X-Content-Type-Options", "nosniff");
    }
  }
}
