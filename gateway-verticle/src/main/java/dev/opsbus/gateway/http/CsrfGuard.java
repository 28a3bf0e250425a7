package dev.opsbus.gateway.http;

import dev.opsbus.gateway.auth.Bearer;
import dev.opsbus.model.ErrorCode;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Refuses cross-site requests that change something (POST, PUT, PATCH, DELETE under {@code /api}).
 * {@code SameSite=Strict} does not stop them when the attacking page is on the same site (another
 * port of the host, a sibling subdomain), so the gateway checks where the request comes from itself:
 *
 * <ol>
 *   <li>{@code Origin}, when sent, must be the node's own origin (scheme, host and port the client
 *       used) or on {@code gateway.allowedOrigins};
 *   <li>without {@code Origin}, {@code Sec-Fetch-Site}, when sent, must be {@code same-origin} or
 *       {@code none};
 *   <li>with neither (a script such as curl, or an old browser), the request may not carry the
 *       session cookie unless it also carries {@code Authorization: Bearer}: a browser cannot add that
 *       header to a cross-site request without a CORS preflight, which the gateway never grants;
 *   <li>a body must be {@code Content-Type: application/json} (a form can only send
 *       {@code text/plain}, urlencoded or multipart); a request without a body needs no type.
 * </ol>
 */
public final class CsrfGuard implements Handler<RoutingContext> {

  private static final Set<HttpMethod> CHANGING = Set.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE);

  private final List<String> allowedOrigins;
  private final ClientAddress clients;

  public CsrfGuard(List<String> allowedOrigins, ClientAddress clients) {
    this.allowedOrigins = allowedOrigins.stream().map(CsrfGuard::trimSlash).toList();
    this.clients = clients;
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    if (!CHANGING.contains(req.method())) {
      ctx.next();
      return;
    }
    String refusal = originRefusal(req);
    if (refusal != null) {
      ApiErrors.send(ctx, ErrorCode.ORIGIN_NOT_ALLOWED, refusal);
      return;
    }
    String type = req.getHeader("Content-Type");
    boolean hasBody = ctx.body() != null && ctx.body().buffer() != null && ctx.body().length() > 0;
    if ((type != null || hasBody) && !"application/json".equals(mediaType(type))) {
      ApiErrors.send(ctx, ErrorCode.UNSUPPORTED_MEDIA_TYPE, "a " + req.method() + " body must be sent as Content-Type: application/json"
          + (type == null ? "" : ", not " + mediaType(type)));
      return;
    }
    ctx.next();
  }

  /** Null when the request may change something, else the sentence saying why not. */
  String originRefusal(HttpServerRequest req) {
    String origin = req.getHeader("Origin");
    if (origin != null) {
      return originAllowed(origin, req) ? null
          : "origin " + origin + " may not change anything here (only this node's own origin and gateway.allowedOrigins may)";
    }
    String site = req.getHeader("Sec-Fetch-Site");
    if (site != null) {
      return site.equalsIgnoreCase("same-origin") || site.equalsIgnoreCase("none") ? null
          : "a " + site + " request may not change anything here";
    }
    if (req.getCookie(Authn.COOKIE) != null && Bearer.token(req.getHeader("Authorization")) == null) {
      return "a request with the session cookie must send its Origin; scripts authenticate with Authorization: Bearer <token>";
    }
    return null;
  }

  private boolean originAllowed(String origin, HttpServerRequest req) {
    String o = trimSlash(origin);
    for (String allowed : allowedOrigins) {
      if (allowed.equals("*") || allowed.equalsIgnoreCase(o)) {
        return true;
      }
    }
    return sameOrigin(o, req);
  }

  /** Scheme, host and port of {@code origin} are those the client used to reach this node. */
  private boolean sameOrigin(String origin, HttpServerRequest req) {
    String host = clients.host(req);
    if (host == null || host.isBlank()) {
      return false;
    }
    String scheme = clients.secure(req) ? "https" : "http";
    try {
      URI theirs = new URI(origin);
      URI ours = new URI(scheme + "://" + host);
      return theirs.getScheme() != null && theirs.getHost() != null && ours.getHost() != null
          && theirs.getScheme().equalsIgnoreCase(scheme)
          && theirs.getHost().equalsIgnoreCase(ours.getHost())
          && port(theirs) == port(ours)
          && (theirs.getRawPath() == null || theirs.getRawPath().isEmpty());
    } catch (java.net.URISyntaxException e) {
      return false;
    }
  }

  private static int port(URI u) {
    if (u.getPort() >= 0) {
      return u.getPort();
    }
    return "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
  }

  private static String mediaType(String contentType) {
    if (contentType == null) {
      return "none";
    }
    int semi = contentType.indexOf(';');
    return (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
  }

  private static String trimSlash(String origin) {
    return origin.endsWith("/") ? origin.substring(0, origin.length() - 1) : origin;
  }
}
