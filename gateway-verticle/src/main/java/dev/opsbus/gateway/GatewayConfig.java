package dev.opsbus.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.opsbus.gateway.http.ClientAddress;
import dev.opsbus.gateway.http.ConnectionLimits;
import dev.opsbus.gateway.bridge.BridgeLimits;
import dev.opsbus.gateway.servicekeys.ServiceSettings;
import dev.opsbus.model.PermissionRules;
import dev.opsbus.model.config.ConfigSection;
import dev.opsbus.model.secret.NodeSecrets;
import io.vertx.pgclient.PgConnectOptions;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Everything the gateway needs. The launcher starts from {@link #defaults()}, applies the config
 * file's {@code gateway} and {@code bridge} sections ({@link #fromJson}), its own host, port, rules
 * and admin password ({@link #withNodeValues}), and once the node runs, its id, version and database
 * ({@link #forNode}).
 *
 * @param nodeId this node; null until {@link #forNode}
 * @param version the build version; null until {@link #forNode}
 * @param host interface to bind (0.0.0.0 by default)
 * @param port HTTP port; 0 picks a free one (tests)
 * @param db the database; null until {@link #forNode}
 * @param dbPoolSize connections in the gateway's database pool
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
 * @param secrets the credentials key and JWT keys, from the launcher's key files; null until
 *     {@link #withSecrets} (the gateway refuses to start without them)
 * @param connections timeouts and caps of connections and sockets, and who may read {@code /metrics}
 *     (same section; {@link ConnectionLimits})
 * @param services service keys, service namespaces and the TCP bridge (section {@code services})
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
    List<String> trustedProxies,
    ConnectionLimits connections,
    NodeSecrets secrets,
    ServiceSettings services) {

  public static final String DEFAULT_HOST = "0.0.0.0";
  public static final int DEFAULT_PORT = 8080;
  public static final int DEFAULT_DB_POOL_SIZE = 8;
  public static final Duration DEFAULT_TOKEN_TTL = Duration.ofMinutes(15);

  /** The config file's section for the gateway, and its keys; the limits have their own, {@link BridgeLimits#SECTION}. */
  public static final String SECTION = "gateway";
  public static final Set<String> KEYS = keys("allowedOrigins", "tokenTtlMinutes", "secureCookie", "dbPoolSize", "trustedProxies");

  private static Set<String> keys(String... own) {
    java.util.Set<String> all = new java.util.HashSet<>(Set.of(own));
    all.addAll(ConnectionLimits.KEYS);
    return Set.copyOf(all);
  }

  public GatewayConfig {
    allowedOrigins = List.copyOf(allowedOrigins);
    trustedProxies = trustedProxies == null ? List.of() : List.copyOf(trustedProxies);
    connections = connections == null ? ConnectionLimits.defaults() : connections;
    services = services == null ? ServiceSettings.defaults() : services;
    ClientAddress.validate(trustedProxies);
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("http port must be 0-65535, got " + port);
    }
    if (dbPoolSize <= 0) {
      throw new IllegalArgumentException("database pool size must be positive, got " + dbPoolSize);
    }
    if (tokenTtl.isNegative() || tokenTtl.isZero()) {
      throw new IllegalArgumentException("token lifetime must be positive");
    }
  }

  /** The defaults: all interfaces, port 8080, the built-in rules; no node, version or database yet. */
  public static GatewayConfig defaults() {
    return new GatewayConfig(null, null, DEFAULT_HOST, DEFAULT_PORT, null, DEFAULT_DB_POOL_SIZE, PermissionRules.defaults(),
        List.of(), DEFAULT_TOKEN_TTL, false, null, BridgeLimits.defaults(), List.of(), ConnectionLimits.defaults(), null, ServiceSettings.defaults());
  }

  /**
   * The config file's {@code gateway} section over {@code base}; keys left out keep their value in
   * {@code base}. {@code tokenTtlMinutes} and {@code dbPoolSize} are positive whole numbers,
   * {@code secureCookie} true or false, {@code allowedOrigins} a list of strings ({@code "*"}: any).
   *
   * @throws dev.opsbus.model.config.ConfigException naming the unknown or bad key
   */
  public static GatewayConfig fromJson(JsonNode section, GatewayConfig base) {
    ConfigSection s = ConfigSection.of(SECTION, section, KEYS);
    List<String> proxies = s.strings("trustedProxies", base.trustedProxies);
    try {
      ClientAddress.validate(proxies);
    } catch (IllegalArgumentException e) {
      throw s.bad("trustedProxies", e.getMessage());
    }
    return new GatewayConfig(base.nodeId, base.version, base.host, base.port, base.db,
        s.positiveInt("dbPoolSize", base.dbPoolSize), base.rules, s.strings("allowedOrigins", base.allowedOrigins),
        s.duration("tokenTtlMinutes", Duration::ofMinutes, base.tokenTtl), s.bool("secureCookie", base.secureCookie),
        base.initialAdminPassword, base.bridge, proxies, ConnectionLimits.fromJson(s, base.connections), base.secrets, base.services);
  }

  /** This config with the values the launcher takes from its own settings rather than from the section. */
  public GatewayConfig withNodeValues(String host, int port, PermissionRules rules, String initialAdminPassword) {
    return new GatewayConfig(nodeId, version, host, port, db, dbPoolSize, rules, allowedOrigins, tokenTtl, secureCookie,
        initialAdminPassword, bridge, trustedProxies, connections, secrets, services);
  }

  /** This config for one running node. */
  public GatewayConfig forNode(String nodeId, String version, PgConnectOptions db) {
    return new GatewayConfig(nodeId, version, host, port, db, dbPoolSize, rules, allowedOrigins, tokenTtl, secureCookie,
        initialAdminPassword, bridge, trustedProxies, connections, secrets, services);
  }

  public GatewayConfig withBridge(BridgeLimits limits) {
    return new GatewayConfig(nodeId, version, host, port, db, dbPoolSize, rules, allowedOrigins, tokenTtl, secureCookie,
        initialAdminPassword, limits, trustedProxies, connections, secrets, services);
  }

  public GatewayConfig withTokenTtl(Duration ttl) {
    return new GatewayConfig(nodeId, version, host, port, db, dbPoolSize, rules, allowedOrigins, ttl, secureCookie,
        initialAdminPassword, bridge, trustedProxies, connections, secrets, services);
  }

  /** This config with the node's keys (the launcher reads them from its key files). */
  public GatewayConfig withSecrets(NodeSecrets keys) {
    return new GatewayConfig(nodeId, version, host, port, db, dbPoolSize, rules, allowedOrigins, tokenTtl, secureCookie,
        initialAdminPassword, bridge, trustedProxies, connections, keys, services);
  }

  /** Keeps the admin password out of logs, and the rule table down to its size. */
  @Override
  public String toString() {
    return "GatewayConfig[nodeId=" + nodeId + ", version=" + version + ", host=" + host + ", port=" + port
        + ", dbPoolSize=" + dbPoolSize + ", rules=" + (rules == null ? 0 : rules.rules().size())
        + ", allowedOrigins=" + allowedOrigins + ", tokenTtl=" + tokenTtl + ", secureCookie=" + secureCookie
        + ", initialAdminPassword=" + (initialAdminPassword == null ? "unset" : "set") + ", bridge=" + bridge
        + ", trustedProxies=" + trustedProxies + ", connections=" + connections
        + ", secrets=" + (secrets == null ? "none" : "given") + ", services=" + services + "]";
  }

  /** With the default connection limits and without secrets (tests add them with {@link #withSecrets}). */
  public GatewayConfig(String nodeId, String version, String host, int port, PgConnectOptions db, int dbPoolSize, PermissionRules rules,
      List<String> allowedOrigins, Duration tokenTtl, boolean secureCookie, String initialAdminPassword, BridgeLimits bridge,
      List<String> trustedProxies) {
    this(nodeId, version, host, port, db, dbPoolSize, rules, allowedOrigins, tokenTtl, secureCookie, initialAdminPassword, bridge,
        trustedProxies, null, null, null);
  }

  /** Without trusted proxies. */
  public GatewayConfig(String nodeId, String version, String host, int port, PgConnectOptions db, int dbPoolSize, PermissionRules rules,
      List<String> allowedOrigins, Duration tokenTtl, boolean secureCookie, String initialAdminPassword, BridgeLimits bridge) {
    this(nodeId, version, host, port, db, dbPoolSize, rules, allowedOrigins, tokenTtl, secureCookie, initialAdminPassword, bridge, List.of(), null, null, null);
  }

  public GatewayConfig withConnections(ConnectionLimits limits) {
    return new GatewayConfig(nodeId, version, host, port, db, dbPoolSize, rules, allowedOrigins, tokenTtl, secureCookie,
        initialAdminPassword, bridge, trustedProxies, limits, secrets, services);
  }

  public GatewayConfig withServices(ServiceSettings s) {
    return new GatewayConfig(nodeId, version, host, port, db, dbPoolSize, rules, allowedOrigins, tokenTtl, secureCookie,
        initialAdminPassword, bridge, trustedProxies, connections, secrets, s);
  }
}
