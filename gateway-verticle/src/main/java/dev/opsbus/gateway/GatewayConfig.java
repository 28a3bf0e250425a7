package dev.opsbus.gateway;

import dev.opsbus.gateway.bridge.BridgeLimits;
import dev.opsbus.model.PermissionRules;
import io.vertx.pgclient.PgConnectOptions;
import java.time.Duration;
import java.util.List;

/**
 * Everything the gateway needs, built by the launcher from flags, environment and config file.
 *
 * @param host interface to bind (0.0.0.0 by default)
 * @param port HTTP port; 0 picks a free one (tests)
 * @param allowedOrigins Origins allowed to open real-time connections; a request without an Origin
 *     header (a script, not a browser) is allowed. Empty: same-origin only (the Host header)
 * @param tokenTtl how long a login token lives
 * @param secureCookie set the Secure flag on the token cookie (behind HTTPS)
 * @param initialAdminPassword the password of {@code admin} when it is created on first start;
 *     null to generate one and log it once
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
    BridgeLimits bridge) {

  public static final String DEFAULT_HOST = "0.0.0.0";
  public static final int DEFAULT_PORT = 8080;
  public static final int DEFAULT_DB_POOL_SIZE = 8;
  public static final Duration DEFAULT_TOKEN_TTL = Duration.ofMinutes(15);

  public GatewayConfig {
    allowedOrigins = List.copyOf(allowedOrigins);
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("http port must be 0-65535, got " + port);
    }
  }
}
