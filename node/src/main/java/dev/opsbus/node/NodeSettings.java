package dev.opsbus.node;

import dev.opsbus.gateway.bridge.BridgeLimits;
import dev.opsbus.gateway.GatewayConfig;
import dev.opsbus.metrics.MetricsConfig;
import dev.opsbus.model.PermissionRules;
import dev.opsbus.operations.OperationsConfig;
import dev.opsbus.ssh.SshRelayConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a node is started with. {@link #parse} reads it the way the launcher does: each value
 * from its command-line flag, else its environment variable, else the {@code --config} JSON file,
 * else the default ({@link NodeSettingsParser}). The file's module sections are read by the config
 * record that owns each ({@link ConfigFile}). {@link #builder()} gives the defaults for programs and tests that set values
 * directly.
 *
 * <p>The four module configs hold their sections' values and the node-level values they need (the
 * gateway's host, port, rules and admin password; the relay's data dir; the metrics' verticle list),
 * which this record fills in so that they always agree with it. What exists only once the node runs
 * (node id, build version, database, start time) {@link OpsbusNode} fills in with each one's
 * {@code forNode}.
 *
 * @param httpHost interface the gateway binds
 * @param httpPort gateway port; 0 picks a free one (read it back from {@link OpsbusNode#httpPort()})
 * @param verticles the verticles to deploy, in deployment order
 * @param cluster join a Hazelcast cluster (cluster.xml) instead of running alone
 * @param clusterMembers TCP-IP members to contact, {@code host} or {@code host:port}
 * @param clusterHost address this node's Hazelcast member and event bus bind and advertise
 * @param clusterName Hazelcast cluster name: nodes with another name never join this cluster
 * @param pgUrl external PostgreSQL as {@code postgresql://user:pass@host:port/db}; null: embedded
 * @param dataDir where the embedded PostgreSQL keeps its data ({@code <dataDir>/pg}), and the relay its recordings
 * @param configFile the config file the values came from, null when none
 * @param demo start the demo SSH host on loopback and register it as host {@code demo}
 * @param adminPassword the {@code admin} password on first start; null to generate one
 * @param permissions the permission rules every transport enforces
 * @param gateway the gateway's config (sections {@code gateway} and {@code bridge})
 * @param metrics the metrics verticle's config (section {@code metrics})
 * @param operations the operations verticle's config (section {@code operations})
 * @param sshRelay the SSH relay's config (section {@code sshRelay})
 * @param clusterAllowPublic start even when {@code clusterHost} is a public or wildcard address
 *     (see {@link ClusterExposure})
 * @param drain how the node leaves on SIGTERM (section {@code drain})
 * @param transport the network transport of the node's Vert.x ({@code --transport}); null: {@link NodeTransport#DEFAULT}
 */
public record NodeSettings(
    String httpHost,
    int httpPort,
    List<VerticleKind> verticles,
    boolean cluster,
    List<String> clusterMembers,
    String clusterHost,
    String clusterName,
    String pgUrl,
    Path dataDir,
    Path configFile,
    boolean demo,
    String adminPassword,
    PermissionRules permissions,
    GatewayConfig gateway,
    MetricsConfig metrics,
    OperationsConfig operations,
    SshRelayConfig sshRelay,
    boolean clusterAllowPublic,
    DrainConfig drain,
    NodeTransport transport) {

  public static final String DEFAULT_HTTP_HOST = GatewayConfig.DEFAULT_HOST;
  public static final int DEFAULT_HTTP_PORT = GatewayConfig.DEFAULT_PORT;
  public static final List<VerticleKind> DEFAULT_VERTICLES =
      List.of(VerticleKind.GATEWAY, VerticleKind.METRICS, VerticleKind.OPERATIONS, VerticleKind.SSH_RELAY);
  public static final List<String> DEFAULT_CLUSTER_MEMBERS = List.of("127.0.0.1");
  public static final String DEFAULT_CLUSTER_HOST = "127.0.0.1";
  public static final String DEFAULT_CLUSTER_NAME = "opsbus";
  public static final Path DEFAULT_DATA_DIR = Path.of("opsbus-data");
  public static final String ADMIN_PASSWORD_ENV = "OPSBUS_ADMIN_PASSWORD";

  public NodeSettings {
    Objects.requireNonNull(httpHost, "httpHost");
    if (httpPort < 0 || httpPort > 65535) {
      throw new IllegalArgumentException("http port must be 0-65535, got " + httpPort);
    }
    verticles = List.copyOf(verticles);
    if (verticles.isEmpty()) {
      throw new IllegalArgumentException("at least one verticle must be deployed");
    }
    if (new LinkedHashSet<>(verticles).size() != verticles.size()) {
      throw new IllegalArgumentException("a verticle is listed twice: " + verticles);
    }
    clusterMembers = List.copyOf(clusterMembers);
    Objects.requireNonNull(clusterHost, "clusterHost");
    Objects.requireNonNull(clusterName, "clusterName");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(permissions, "permissions");
    gateway = Objects.requireNonNull(gateway, "gateway").withNodeValues(httpHost, httpPort, permissions, adminPassword);
    metrics = Objects.requireNonNull(metrics, "metrics").withVerticles(verticles.stream().map(VerticleKind::wireName).toList());
    Objects.requireNonNull(operations, "operations");
    sshRelay = Objects.requireNonNull(sshRelay, "sshRelay").withDataDir(dataDir);
    drain = drain == null ? DrainConfig.defaults() : drain;
    transport = transport == null ? NodeTransport.DEFAULT : transport;
  }

  /** Whether the node starts its own PostgreSQL (no {@code --pg-url}). */
  public boolean embeddedDatabase() {
    return pgUrl == null;
  }

  public boolean deploys(VerticleKind kind) {
    return verticles.contains(kind);
  }

  /** Keeps the admin password and the database password out of logs. */
  @Override
  public String toString() {
    return "NodeSettings[httpHost=" + httpHost + ", httpPort=" + httpPort + ", verticles=" + verticles
        + ", cluster=" + cluster + ", clusterMembers=" + clusterMembers + ", clusterHost=" + clusterHost
        + ", clusterName=" + clusterName + ", pg=" + (pgUrl == null ? "embedded in " + dataDir : redactUrl(pgUrl))
        + ", configFile=" + configFile + ", demo=" + demo + ", adminPassword=" + (adminPassword == null ? "unset" : "set")
        + ", rules=" + permissions.rules().size() + ", allowedOrigins=" + gateway.allowedOrigins()
        + ", tokenTtl=" + gateway.tokenTtl() + ", secureCookie=" + gateway.secureCookie()
        + ", gatewayDbPoolSize=" + gateway.dbPoolSize() + ", bridge=" + gateway.bridge()
        + ", metricsPeriod=" + metrics.period() + ", operations=" + describe(operations) + ", sshRelay=" + describe(sshRelay) + ", drain=" + drain + ", transport=" + transport.wireName() + "]";
  }

  private static String describe(OperationsConfig o) {
    return "[commands=" + o.commands().stream().map(OperationsConfig.CommandOperation::name).toList()
        + ", heartbeat=" + o.heartbeat() + ", nodeLostAfter=" + o.nodeLostAfter() + ", retention=" + o.retention()
        + ", schedulerTick=" + o.schedulerTick() + ", dbPoolSize=" + o.dbPoolSize() + "]";
  }

  private static String describe(SshRelayConfig r) {
    return "[connectTimeout=" + r.connectTimeout() + ", reattachGrace=" + r.reattachGrace() + ", idleTimeout=" + r.idleTimeout()
        + ", maxSessionsPerUser=" + r.maxSessionsPerUser() + ", maxSessionsPerNode=" + r.maxSessionsPerNode()
        + ", scrollbackBytes=" + r.scrollbackBytes() + ", recordInput=" + r.recordInput() + ", healthPeriod=" + r.healthPeriod()
        + ", dbPoolSize=" + r.dbPoolSize() + "]";
  }

  /** A database URL with its password replaced by {@code ***}. */
  static String redactUrl(String url) {
    int scheme = url.indexOf("://");
    int at = url.lastIndexOf('@');
    if (scheme < 0 || at < scheme) {
      return url;
    }
    int colon = url.indexOf(':', scheme + 3);
    return colon > 0 && colon < at ? url.substring(0, colon + 1) + "***" + url.substring(at) : url;
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Settings with the defaults, changed one value at a time. */
  public static final class Builder {
    private String httpHost = DEFAULT_HTTP_HOST;
    private int httpPort = DEFAULT_HTTP_PORT;
    private List<VerticleKind> verticles = DEFAULT_VERTICLES;
    private boolean cluster;
    private List<String> clusterMembers = DEFAULT_CLUSTER_MEMBERS;
    private String clusterHost = DEFAULT_CLUSTER_HOST;
    private String clusterName = DEFAULT_CLUSTER_NAME;
    private String pgUrl;
    private Path dataDir = DEFAULT_DATA_DIR;
    private Path configFile;
    private boolean demo;
    private String adminPassword;
    private PermissionRules permissions;
    private GatewayConfig gateway = GatewayConfig.defaults();
    private MetricsConfig metrics = MetricsConfig.defaults();
    private OperationsConfig operations = OperationsConfig.defaults(null, null);
    private SshRelayConfig sshRelay = SshRelayConfig.defaults(null, null, DEFAULT_DATA_DIR);
    private boolean clusterAllowPublic;
    private DrainConfig drain = DrainConfig.defaults();
    private NodeTransport transport = NodeTransport.DEFAULT;

    private Builder() {
    }

    private Builder(NodeSettings s) {
      httpHost = s.httpHost;
      httpPort = s.httpPort;
      verticles = s.verticles;
      cluster = s.cluster;
      clusterMembers = s.clusterMembers;
      clusterHost = s.clusterHost;
      clusterName = s.clusterName;
      pgUrl = s.pgUrl;
      dataDir = s.dataDir;
      configFile = s.configFile;
      demo = s.demo;
      adminPassword = s.adminPassword;
      permissions = s.permissions;
      gateway = s.gateway;
      metrics = s.metrics;
      operations = s.operations;
      sshRelay = s.sshRelay;
      clusterAllowPublic = s.clusterAllowPublic;
      drain = s.drain;
      transport = s.transport;
    }

    public Builder httpHost(String v) { httpHost = v; return this; }
    public Builder httpPort(int v) { httpPort = v; return this; }
    public Builder verticles(List<VerticleKind> v) { verticles = v; return this; }
    public Builder verticles(VerticleKind... v) { verticles = List.of(v); return this; }
    public Builder cluster(boolean v) { cluster = v; return this; }
    public Builder clusterMembers(List<String> v) { clusterMembers = v; return this; }
    public Builder clusterHost(String v) { clusterHost = v; return this; }
    public Builder clusterName(String v) { clusterName = v; return this; }
    public Builder clusterAllowPublic(boolean v) { clusterAllowPublic = v; return this; }
    /** External PostgreSQL ({@code postgresql://user:pass@host:port/db}); null for the embedded one. */
    public Builder pgUrl(String v) { pgUrl = v; return this; }
    public Builder dataDir(Path v) { dataDir = v; return this; }
    public Builder configFile(Path v) { configFile = v; return this; }
    public Builder demo(boolean v) { demo = v; return this; }
    public Builder adminPassword(String v) { adminPassword = v; return this; }
    public Builder permissions(PermissionRules v) { permissions = v; return this; }
    /** The gateway's config; its host, port, rules and admin password are this builder's. */
    public Builder gateway(GatewayConfig v) { gateway = v; return this; }
    public Builder metrics(MetricsConfig v) { metrics = v; return this; }
    public Builder operations(OperationsConfig v) { operations = v; return this; }
    /** The relay's config; its data dir is this builder's. */
    public Builder sshRelay(SshRelayConfig v) { sshRelay = v; return this; }
    public Builder drain(DrainConfig v) { drain = v; return this; }
    public Builder transport(NodeTransport v) { transport = v; return this; }
    public Builder tokenTtl(Duration v) { gateway = gateway.withTokenTtl(v); return this; }
    public Builder bridge(BridgeLimits v) { gateway = gateway.withBridge(v); return this; }
    public Builder operationCommands(List<OperationsConfig.CommandOperation> v) { operations = operations.withCommands(v); return this; }

    PermissionRules permissions() {
      return permissions == null ? PermissionRules.defaults() : permissions;
    }

    GatewayConfig gateway() {
      return gateway;
    }

    MetricsConfig metrics() {
      return metrics;
    }

    OperationsConfig operations() {
      return operations;
    }

    SshRelayConfig sshRelay() {
      return sshRelay;
    }

    DrainConfig drain() {
      return drain;
    }

    public NodeSettings build() {
      return new NodeSettings(httpHost, httpPort, verticles, cluster, clusterMembers, clusterHost, clusterName, pgUrl,
          dataDir, configFile, demo, adminPassword, permissions(), gateway, metrics, operations, sshRelay,
          clusterAllowPublic, drain, transport);
    }
  }

  /** The usage text of {@code --help}. */
  public static String usage() {
    return NodeSettingsParser.usage();
  }

  /** Whether the arguments ask for the usage text. */
  public static boolean wantsHelp(List<String> args) {
    return args.contains("--help") || args.contains("-h");
  }

  /**
   * Reads the settings from command-line arguments, environment and the config file they name: each
   * value from its flag, else its environment variable, else the file, else the default.
   *
   * @throws SettingsException naming the flag, variable or file entry that is wrong
   */
  public static NodeSettings parse(List<String> args, Map<String, String> env) {
    return NodeSettingsParser.parse(args, env);
  }
}
