package dev.opsbus.gateway.http;

import dev.opsbus.gateway.auth.Bearer;
import dev.opsbus.gateway.auth.TokenService;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.Role;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Who may read {@code /metrics} on the HTTP port (issue 11, point 9). Metrics name users, nodes
 * and load, so they are not for anyone:
 *
 * <ol>
 *   <li>a scraper presenting {@code Authorization: Bearer <gateway.metricsToken>}, when one is configured;
 *   <li>an admin, with a login token (header or cookie);
 *   <li>a client on the node's own machine: the client {@link ClientAddress} names (so behind a
 *       trusted proxy, the client it forwards for) is a loopback address, and the request carries
 *       no forwarding header from an untrusted peer (a local proxy nobody declared would otherwise
 *       make every client look local).
 * </ol>
 *
 * Anyone else gets {@code 401 not_logged_in} or {@code 403 access_denied}. {@code gateway.metricsPort}
 * serves the metrics on a listener of their own, without these checks: its bind address is the protection.
 */
public final class MetricsAccess implements Handler<RoutingContext> {

  private final String token;
  private final TokenService tokens;
  private final ClientAddress clients;

  /** @param metricsToken the scrapers' secret, or null for none */
  public MetricsAccess(String metricsToken, TokenService tokens, ClientAddress clients) {
    this.token = metricsToken;
    this.tokens = tokens;
    this.clients = clients;
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    String presented = Bearer.token(req.getHeader("Authorization"));
    if (token != null && presented != null && sameSecret(presented, token)) {
      ctx.next();
      return;
    }
    if (local(req)) {
      ctx.next();
      return;
    }
    String login = Authn.tokenOf(req);
    if (login == null) {
      ApiErrors.send(ctx, ErrorCode.NOT_LOGGED_IN, "metrics need the metrics token (Authorization: Bearer), an admin's login,"
          + " or a request from this machine");
      return;
    }
    tokens.verify(login).onComplete(ar -> {
      if (ar.succeeded() && ar.result().hasRole(Role.ADMIN)) {
        ctx.next();
      } else if (ar.succeeded()) {
        ApiErrors.send(ctx, ErrorCode.ACCESS_DENIED, "metrics are for admins and the configured scraper");
      } else {
        ApiErrors.fail(ctx, ar.cause());
      }
    });
  }

  private boolean local(HttpServerRequest req) {
    boolean forwarded = req.getHeader("X-Forwarded-For") != null || req.getHeader("Forwarded") != null;
    boolean fromTrustedProxy = req.remoteAddress() != null && clients.isTrusted(req.remoteAddress().hostAddress());
    if (forwarded && !fromTrustedProxy) {
      return false;
    }
    InetAddress a = ClientAddress.literal(clients.of(req));
    return a != null && a.isLoopbackAddress();
  }

  private static boolean sameSecret(String a, String b) {
    return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }
}
