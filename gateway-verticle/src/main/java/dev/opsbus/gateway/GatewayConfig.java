package dev.opsbus.gateway;

import dev.opsbus.gateway.http.ClientAddress;
import dev.opsbus.model.PermissionRules;
import io.vertx.pgclient.PgConnectOptions;
import java.time.Duration;
import java.util.List;

/**
 * Everything the gateway needs, built by the launcher from flags, environment and config file.
 *
 * @param host interface to bind (0.0.0.0 by default)
 * @param port HTTP port; 0 picks a free one (tests)
 * @param allowedOrigins Origins, besides the node's own, allowed to open real-time connections and
 *     to change things over the HTTP API (see {@code CsrfGuard}). Empty: same-origin only
 * @param tokenTtl how long a login token lives
 * @param secureCookie always set the Secure flag on the token cookie; without it the flag is set
 *     when the request came over TLS (or a trusted proxy says so)
 * @param initialAdminPassword the password of {@code admin} when it is created on first start;
 *     null to generate one and log it once
 * @param trustedProxies CIDRs of reverse proxies whose {@code Forwarded} / {@code X-Forwarded-*}
 *     headers name the client, its scheme and host (login throttle, Secure cookie, origin check);
 *     empty: the peer is the client
 */
public record GatewayConfig(
    String nodeId,
    String version,
    String host,
    int port,
    PgConnectOptions db,
    int dbPoolSize,
    PermissionRules rules,
    List<String> allowedOrigins,
    Duration tokenTtl,
    boolean secureCookie,
    String initialAdminPassword,
    BridgeLimits bridge,
    List<String> trustedProxies) {

  public static final String DEFAULT_HOST = "0.0.0.0";
  public static final int DEFAULT_PORT = 8080;
  public static final int DEFAULT_DB_POOL_SIZE = 8;
  public static final Duration DEFAULT_TOKEN_TTL = Duration.ofMinutes(15);

  public GatewayConfig {
    allowedOrigins = List.copyOf(allowedOrigins);
    trustedProxies = trustedProxies == null ? List.of() : List.copyOf(trustedProxies);
    ClientAddress.validate(trustedProxies);
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("http port must be 0-65535, got " + port);
    }
  }

  /** Without trusted proxies. */
  public GatewayConfig(String nodeId, String version, String host, int port, PgConnectOptions db, int dbPoolSize, PermissionRules rules,
      List<String> allowedOrigins, Duration tokenTtl, boolean secureCookie, String initialAdminPassword, BridgeLimits bridge) {
    this(nodeId, version, host, port, db, dbPoolSize, rules, allowedOrigins, tokenTtl, secureCookie, initialAdminPassword, bridge, List.of());
  }
}
