package dev.opsbus.node;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.opsbus.gateway.bridge.BridgeLimits;
import dev.opsbus.gateway.GatewayConfig;
import dev.opsbus.metrics.MetricsConfig;
import dev.opsbus.operations.OperationsConfig;
import dev.opsbus.model.Json;
import dev.opsbus.model.PermissionRules;
import io.vertx.pgclient.PgConnectOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Everything a node is started with. {@link #parse} reads it the way the launcher does: each value
 * from its command-line flag, else its environment variable, else the {@code --config} JSON file,
 * else the default. {@link #builder()} gives the defaults for programs and tests that set values
 * directly.
 *
 * @param httpHost interface the gateway binds
 * @param httpPort gateway port; 0 picks a free one (read it back from {@link OpsbusNode#httpPort()})
 * @param verticles the verticles to deploy, in deployment order
 * @param cluster join a Hazelcast cluster (cluster.xml) instead of running alone
 * @param clusterMembers TCP-IP members to contact, {@code host} or {@code host:port}
 * @param clusterHost address this node's Hazelcast member and event bus bind and advertise
 * @param clusterName Hazelcast cluster name: nodes with another name never join this cluster
 * @param pgUrl external PostgreSQL as {@code postgresql://user:pass@host:port/db}; null: embedded
 * @param dataDir where the embedded PostgreSQL keeps its data ({@code <dataDir>/pg})
 * @param configFile the config file the values came from, null when none
 * @param demo start the demo SSH host on loopback and register it as host {@code demo}
 * @param adminPassword the {@code admin} password on first start; null to generate one
 * @param permissions the permission rules every transport enforces
 * @param allowedOrigins Origins allowed to open real-time connections
 * @param tokenTtl lifetime of a login token
 * @param secureCookie mark the token cookie Secure (behind HTTPS)
 * @param dbPoolSize connections in the gateway's database pool
 * @param bridge limits of real-time connections
 * @param metricsPeriod how often the metrics verticle samples
 * @param operationCommands operation types defined in the config file, beside the built-in ones
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
    List<String> allowedOrigins,
    Duration tokenTtl,
    boolean secureCookie,
    int dbPoolSize,
    BridgeLimits bridge,
    Duration metricsPeriod,
    List<OperationsConfig.CommandOperation> operationCommands) {

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
    operationCommands = operationCommands == null ? List.of() : List.copyOf(operationCommands);
    Objects.requireNonNull(clusterHost, "clusterHost");
    Objects.requireNonNull(clusterName, "clusterName");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(permissions, "permissions");
    allowedOrigins = List.copyOf(allowedOrigins);
    if (tokenTtl.isNegative() || tokenTtl.isZero()) {
      throw new IllegalArgumentException("token lifetime must be positive");
    }
    if (dbPoolSize <= 0) {
      throw new IllegalArgumentException("database pool size must be positive, got " + dbPoolSize);
    }
    Objects.requireNonNull(bridge, "bridge");
    if (metricsPeriod.toMillis() < 100) {
      throw new IllegalArgumentException("metrics period must be at least 100 ms, got " + metricsPeriod.toMillis() + " ms");
    }
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
        + ", rules=" + permissions.rules().size() + ", allowedOrigins=" + allowedOrigins + ", tokenTtl=" + tokenTtl
        + ", secureCookie=" + secureCookie + ", dbPoolSize=" + dbPoolSize + ", bridge=" + bridge
        + ", metricsPeriod=" + metricsPeriod + "]";
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
    private List<String> allowedOrigins = List.of();
    private Duration tokenTtl = GatewayConfig.DEFAULT_TOKEN_TTL;
    private boolean secureCookie;
    private int dbPoolSize = GatewayConfig.DEFAULT_DB_POOL_SIZE;
    private BridgeLimits bridge = BridgeLimits.defaults();
    private Duration metricsPeriod = MetricsConfig.DEFAULT_PERIOD;
    private List<OperationsConfig.CommandOperation> operationCommands = List.of();

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
      allowedOrigins = s.allowedOrigins;
      tokenTtl = s.tokenTtl;
      secureCookie = s.secureCookie;
      dbPoolSize = s.dbPoolSize;
      bridge = s.bridge;
      metricsPeriod = s.metricsPeriod;
      operationCommands = s.operationCommands;
    }

    public Builder httpHost(String v) { httpHost = v; return this; }
    public Builder httpPort(int v) { httpPort = v; return this; }
    public Builder verticles(List<VerticleKind> v) { verticles = v; return this; }
    public Builder verticles(VerticleKind... v) { verticles = List.of(v); return this; }
    public Builder cluster(boolean v) { cluster = v; return this; }
    public Builder clusterMembers(List<String> v) { clusterMembers = v; return this; }
    public Builder clusterHost(String v) { clusterHost = v; return this; }
    public Builder clusterName(String v) { clusterName = v; return this; }
    /** External PostgreSQL ({@code postgresql://user:pass@host:port/db}); null for the embedded one. */
    public Builder pgUrl(String v) { pgUrl = v; return this; }
    public Builder dataDir(Path v) { dataDir = v; return this; }
    public Builder configFile(Path v) { configFile = v; return this; }
    public Builder demo(boolean v) { demo = v; return this; }
    public Builder adminPassword(String v) { adminPassword = v; return this; }
    public Builder permissions(PermissionRules v) { permissions = v; return this; }
    public Builder allowedOrigins(List<String> v) { allowedOrigins = v; return this; }
    public Builder tokenTtl(Duration v) { tokenTtl = v; return this; }
    public Builder secureCookie(boolean v) { secureCookie = v; return this; }
    public Builder dbPoolSize(int v) { dbPoolSize = v; return this; }
    public Builder bridge(BridgeLimits v) { bridge = v; return this; }
    public Builder metricsPeriod(Duration v) { metricsPeriod = v; return this; }
    public Builder operationCommands(List<OperationsConfig.CommandOperation> v) { operationCommands = v; return this; }

    public NodeSettings build() {
      return new NodeSettings(httpHost, httpPort, verticles, cluster, clusterMembers, clusterHost, clusterName, pgUrl,
          dataDir, configFile, demo, adminPassword, permissions == null ? PermissionRules.defaults() : permissions,
          allowedOrigins, tokenTtl, secureCookie, dbPoolSize, bridge, metricsPeriod, operationCommands);
    }
  }

  // ---------------------------------------------------------------- parsing flags, env, config file

  /** A setting that has a flag, an environment variable and (except the config file) a config-file key. */
  enum Option {
    HTTP_HOST("--http-host", "OPSBUS_HTTP_HOST", "httpHost", false, "ADDR", "interface the HTTP server binds (" + DEFAULT_HTTP_HOST + ")"),
    HTTP_PORT("--http-port", "OPSBUS_HTTP_PORT", "httpPort", false, "N", "HTTP port, 0 for any free one (" + DEFAULT_HTTP_PORT + ")"),
    VERTICLES("--verticles", "OPSBUS_VERTICLES", "verticles", false, "a,b", "verticles to deploy (" + VerticleKind.knownNames() + ")"),
    CLUSTER("--cluster", "OPSBUS_CLUSTER", "cluster", true, null, "join a Hazelcast cluster (cluster.xml); off: a single node"),
    CLUSTER_MEMBERS("--cluster-members", "OPSBUS_CLUSTER_MEMBERS", "clusterMembers", false, "h:p,...", "TCP-IP members to join (127.0.0.1)"),
    CLUSTER_HOST("--cluster-host", "OPSBUS_CLUSTER_HOST", "clusterHost", false, "ADDR", "address the cluster member and event bus bind and advertise (" + DEFAULT_CLUSTER_HOST + ")"),
    CLUSTER_NAME("--cluster-name", "OPSBUS_CLUSTER_NAME", "clusterName", false, "NAME", "cluster name; nodes join only a cluster of the same name (" + DEFAULT_CLUSTER_NAME + ")"),
    PG_URL("--pg-url", "OPSBUS_PG_URL", "pgUrl", false, "URL", "external PostgreSQL, postgresql://user:pass@host:port/db (embedded PostgreSQL in the data dir)"),
    DATA_DIR("--data-dir", "OPSBUS_DATA_DIR", "dataDir", false, "DIR", "data directory (./" + DEFAULT_DATA_DIR + ")"),
    CONFIG("--config", "OPSBUS_CONFIG", null, false, "FILE", "JSON config file: node, permissions, gateway, bridge, metrics sections"),
    DEMO("--demo", "OPSBUS_DEMO", "demo", true, null, "start a demo SSH host on 127.0.0.1, registered as host 'demo'");

    final String flag;
    final String env;
    final String fileKey;
    final boolean isSwitch;
    final String valueName;
    final String help;

    Option(String flag, String env, String fileKey, boolean isSwitch, String valueName, String help) {
      this.flag = flag;
      this.env = env;
      this.fileKey = fileKey;
      this.isSwitch = isSwitch;
      this.valueName = valueName;
      this.help = help;
    }

    static Option byFlag(String flag) {
      for (Option o : values()) {
        if (o.flag.equals(flag)) {
          return o;
        }
      }
      return null;
    }
  }

  /** A value as written, with where it came from, so that an error can name its source. */
  private record Raw(String value, String origin) {
  }

  /** The usage text of {@code --help}. */
  public static String usage() {
    StringBuilder sb = new StringBuilder("usage: java -jar opsbus.jar [options]\n\noptions (flag, environment variable):\n");
    for (Option o : Option.values()) {
      String left = o.flag + (o.valueName == null ? "" : " " + o.valueName);
      sb.append(String.format(Locale.ROOT, "  %-28s %-24s %s%n", left, o.env, o.help));
    }
    sb.append(String.format(Locale.ROOT, "  %-28s %-24s %s%n", "", ADMIN_PASSWORD_ENV,
        "first start only: the admin user's password (generated when unset)"));
    sb.append(String.format(Locale.ROOT, "  %-28s %-24s %s%n", "--help", "", "print this text"));
    sb.append("\nA flag beats its environment variable, which beats the config file, which beats the default.\n");
    return sb.toString();
  }

  /** Whether the arguments ask for the usage text. */
  public static boolean wantsHelp(List<String> args) {
    return args.contains("--help") || args.contains("-h");
  }

  /**
   * Reads the settings from command-line arguments, environment and the config file they name.
   *
   * @throws SettingsException naming the flag, variable or file entry that is wrong
   */
  public static NodeSettings parse(List<String> args, Map<String, String> env) {
    Map<Option, Raw> flags = parseFlags(args);
    Raw configRaw = pick(flags, env, null, Option.CONFIG);
    ConfigFile file = configRaw == null ? null : ConfigFile.read(configRaw);

    Builder b = builder();
    Raw v;
    if ((v = pick(flags, env, file, Option.HTTP_HOST)) != null) {
      b.httpHost(host(v));
    }
    if ((v = pick(flags, env, file, Option.HTTP_PORT)) != null) {
      b.httpPort(port(v));
    }
    if ((v = pick(flags, env, file, Option.VERTICLES)) != null) {
      b.verticles(verticles(v));
    }
    if ((v = pick(flags, env, file, Option.CLUSTER)) != null) {
      b.cluster(bool(v));
    }
    if ((v = pick(flags, env, file, Option.CLUSTER_MEMBERS)) != null) {
      b.clusterMembers(members(v));
    }
    if ((v = pick(flags, env, file, Option.CLUSTER_HOST)) != null) {
      b.clusterHost(host(v));
    }
    if ((v = pick(flags, env, file, Option.CLUSTER_NAME)) != null) {
      b.clusterName(host(v));
    }
    if ((v = pick(flags, env, file, Option.PG_URL)) != null) {
      b.pgUrl(pgUrl(v));
    }
    if ((v = pick(flags, env, file, Option.DATA_DIR)) != null) {
      b.dataDir(path(v));
    }
    if ((v = pick(flags, env, file, Option.DEMO)) != null) {
      b.demo(bool(v));
    }
    String admin = env.get(ADMIN_PASSWORD_ENV);
    if (admin != null && !admin.isEmpty()) {
      b.adminPassword(admin);
    }
    if (file != null) {
      b.configFile(file.path);
      file.applySections(b);
    }
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new SettingsException(e.getMessage(), e);
    }
  }

  private static Map<Option, Raw> parseFlags(List<String> args) {
    Map<Option, Raw> flags = new EnumMap<>(Option.class);
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      String name = arg;
      String inline = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        name = arg.substring(0, eq);
        inline = arg.substring(eq + 1);
      }
      Option o = Option.byFlag(name);
      if (o == null) {
        throw new SettingsException(arg.startsWith("-")
            ? "unknown option " + name + " (see --help)"
            : "unexpected argument '" + arg + "' (options start with --; see --help)");
      }
      if (flags.containsKey(o)) {
        throw new SettingsException(o.flag + " is given twice");
      }
      String value;
      if (o.isSwitch) {
        value = inline == null ? "true" : inline;
      } else if (inline != null) {
        value = inline;
      } else if (i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
        value = args.get(++i);
      } else {
        throw new SettingsException(o.flag + " needs a value: " + o.flag + " " + o.valueName);
      }
      flags.put(o, new Raw(value, o.flag));
    }
    return flags;
  }

  private static Raw pick(Map<Option, Raw> flags, Map<String, String> env, ConfigFile file, Option o) {
    Raw flag = flags.get(o);
    if (flag != null) {
      return flag;
    }
    String e = env.get(o.env);
    if (e != null && !e.isBlank()) {
      return new Raw(e, o.env);
    }
    return file == null || o.fileKey == null ? null : file.nodeValue(o.fileKey);
  }

  private static SettingsException bad(Raw v, String problem) {
    return new SettingsException(v.origin + ": " + problem);
  }

  private static String host(Raw v) {
    String s = v.value.trim();
    if (s.isEmpty() || s.chars().anyMatch(Character::isWhitespace)) {
      throw bad(v, "'" + v.value + "' is not a host name or address");
    }
    return s;
  }

  private static int port(Raw v) {
    try {
      int p = Integer.parseInt(v.value.trim());
      if (p >= 0 && p <= 65535) {
        return p;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw bad(v, "'" + v.value + "' is not a port number (0-65535)");
  }

  private static boolean bool(Raw v) {
    String s = v.value.trim().toLowerCase(Locale.ROOT);
    if (s.equals("true")) {
      return true;
    }
    if (s.equals("false")) {
      return false;
    }
    throw bad(v, "'" + v.value + "' is not true or false");
  }

  private static List<VerticleKind> verticles(Raw v) {
    List<VerticleKind> list = new ArrayList<>();
    for (String name : v.value.split(",")) {
      if (name.isBlank()) {
        continue;
      }
      VerticleKind k;
      try {
        k = VerticleKind.parse(name);
      } catch (IllegalArgumentException e) {
        throw bad(v, e.getMessage());
      }
      if (list.contains(k)) {
        throw bad(v, "verticle '" + k + "' is listed twice");
      }
      list.add(k);
    }
    if (list.isEmpty()) {
      throw bad(v, "names no verticle (known: " + VerticleKind.knownNames() + ")");
    }
    return list;
  }

  private static List<String> members(Raw v) {
    List<String> list = new ArrayList<>();
    for (String m : v.value.split(",")) {
      String s = m.trim();
      if (s.isEmpty()) {
        continue;
      }
      int colon = s.lastIndexOf(':');
      boolean ok = colon != 0;
      if (ok && colon > 0) {
        try {
          int p = Integer.parseInt(s.substring(colon + 1));
          ok = p > 0 && p <= 65535;
        } catch (NumberFormatException e) {
          ok = false;
        }
      }
      if (!ok || s.chars().anyMatch(Character::isWhitespace)) {
        throw bad(v, "'" + s + "' is not host or host:port");
      }
      list.add(s);
    }
    if (list.isEmpty()) {
      throw bad(v, "names no cluster member");
    }
    return list;
  }

  private static String pgUrl(Raw v) {
    String s = v.value.trim();
    if (!s.startsWith("postgresql://") && !s.startsWith("postgres://")) {
      throw bad(v, "'" + redactUrl(s) + "' is not a PostgreSQL URL (postgresql://user:pass@host:port/db)");
    }
    try {
      PgConnectOptions o = PgConnectOptions.fromUri(s);
      if (o.getHost() == null || o.getHost().isEmpty()) {
        throw bad(v, "'" + redactUrl(s) + "' names no host");
      }
    } catch (RuntimeException e) {
      if (e instanceof SettingsException se) {
        throw se;
      }
      throw bad(v, "'" + redactUrl(s) + "' cannot be read: " + e.getMessage());
    }
    return s;
  }

  private static Path path(Raw v) {
    try {
      if (v.value.isBlank()) {
        throw bad(v, "is empty");
      }
      return Path.of(v.value.trim());
    } catch (InvalidPathException e) {
      throw bad(v, "'" + v.value + "' is not a path: " + e.getReason());
    }
  }

  /** The JSON config file: sections {@code node}, {@code permissions}, {@code gateway}, {@code bridge}, {@code metrics}. */
  private static final class ConfigFile {
    private static final Set<String> SECTIONS = Set.of("node", "permissions", "gateway", "bridge", "metrics", "operations");

    final Path path;
    final ObjectNode root;

    private ConfigFile(Path path, ObjectNode root) {
      this.path = path;
      this.root = root;
    }

    static ConfigFile read(Raw raw) {
      Path p = path(raw);
      String text;
      try {
        text = Files.readString(p);
      } catch (NoSuchFileException e) {
        throw new SettingsException("config file " + p + " (" + raw.origin + ") cannot be read: no such file");
      } catch (IOException e) {
        throw new SettingsException("config file " + p + " (" + raw.origin + ") cannot be read: " + e, e);
      }
      JsonNode root;
      try {
        root = Json.MAPPER.readTree(text);
      } catch (JsonProcessingException e) {
        String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + " column " + e.getLocation().getColumnNr();
        throw new SettingsException("config file " + p + " is not valid JSON" + where + ": " + e.getOriginalMessage(), e);
      }
      if (root == null || !root.isObject()) {
        throw new SettingsException("config file " + p + " must hold one JSON object");
      }
      ConfigFile f = new ConfigFile(p, (ObjectNode) root);
      for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
        String name = it.next();
        if (!SECTIONS.contains(name)) {
          throw new SettingsException("config file " + p + ": unknown section '" + name + "' (known: " + String.join(", ", SECTIONS.stream().sorted().toList()) + ")");
        }
        if (!root.get(name).isObject()) {
          throw new SettingsException("config file " + p + ": section '" + name + "' must be a JSON object");
        }
      }
      f.checkKeys("node", nodeKeys());
      f.checkKeys("permissions", Set.of("rules"));
      f.checkKeys("gateway", Set.of("allowedOrigins", "tokenTtlMinutes", "secureCookie", "dbPoolSize"));
      f.checkKeys("bridge", Set.of("maxFrameBytes", "maxAddressLength", "queueBound", "maxSubscriptions", "ratePerSecond",
          "rateBurst", "maxConnectionsPerUser", "idleTimeoutMs", "requestTimeoutMs"));
      f.checkKeys("metrics", Set.of("periodMs"));
      f.checkKeys("operations", Set.of("commands"));
      return f;
    }

    private static Set<String> nodeKeys() {
      Set<String> keys = new LinkedHashSet<>();
      for (Option o : Option.values()) {
        if (o.fileKey != null) {
          keys.add(o.fileKey);
        }
      }
      return keys;
    }

    private void checkKeys(String section, Set<String> known) {
      JsonNode s = root.get(section);
      if (s == null) {
        return;
      }
      for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
        String key = it.next();
        if (!known.contains(key)) {
          throw new SettingsException("config file " + path + ": unknown key '" + section + "." + key + "' (known: "
              + String.join(", ", known.stream().sorted().toList()) + ")");
        }
      }
    }

    private String origin(String section, String key) {
      return section + "." + key + " in config file " + path;
    }

    /** A {@code node} section value as text, arrays joined with commas, so flags and file share one parser. */
    Raw nodeValue(String key) {
      JsonNode n = root.path("node").get(key);
      if (n == null || n.isNull()) {
        return null;
      }
      String origin = origin("node", key);
      if (n.isArray()) {
        List<String> parts = new ArrayList<>();
        n.forEach(e -> {
          if (!e.isValueNode()) {
            throw new SettingsException(origin + ": must be a list of strings");
          }
          parts.add(e.asText());
        });
        return new Raw(String.join(",", parts), origin);
      }
      if (!n.isValueNode()) {
        throw new SettingsException(origin + ": must be a string, number or boolean");
      }
      return new Raw(n.asText(), origin);
    }

    void applySections(Builder b) {
      JsonNode rules = root.path("permissions").get("rules");
      if (rules != null) {
        if (!rules.isArray()) {
          throw new SettingsException(origin("permissions", "rules") + ": must be a list of rules");
        }
        try {
          b.permissions(PermissionRules.fromList(Json.MAPPER.convertValue(rules, List.class)));
        } catch (IllegalArgumentException e) {
          throw new SettingsException(origin("permissions", "rules") + ": " + firstLine(e.getMessage()), e);
        }
      }
      JsonNode gw = root.path("gateway");
      JsonNode origins = gw.get("allowedOrigins");
      if (origins != null) {
        if (!origins.isArray()) {
          throw new SettingsException(origin("gateway", "allowedOrigins") + ": must be a list of strings");
        }
        List<String> list = new ArrayList<>();
        origins.forEach(o -> {
          if (!o.isTextual() || o.asText().isBlank()) {
            throw new SettingsException(origin("gateway", "allowedOrigins") + ": must be a list of strings");
          }
          list.add(o.asText());
        });
        b.allowedOrigins(list);
      }
      Long ttl = positive("gateway", "tokenTtlMinutes");
      if (ttl != null) {
        b.tokenTtl(Duration.ofMinutes(ttl));
      }
      Boolean secure = bool("gateway", "secureCookie");
      if (secure != null) {
        b.secureCookie(secure);
      }
      Long pool = positive("gateway", "dbPoolSize");
      if (pool != null) {
        b.dbPoolSize(pool.intValue());
      }

      BridgeLimits d = BridgeLimits.defaults();
      if (root.has("bridge")) {
        b.bridge(new BridgeLimits(
            intOr("maxFrameBytes", d.maxFrameBytes()),
            intOr("maxAddressLength", d.maxAddressLength()),
            intOr("queueBound", d.queueBound()),
            intOr("maxSubscriptions", d.maxSubscriptions()),
            intOr("ratePerSecond", d.ratePerSecond()),
            intOr("rateBurst", d.rateBurst()),
            intOr("maxConnectionsPerUser", d.maxConnectionsPerUser()),
            msOr("idleTimeoutMs", d.idleTimeout()),
            msOr("requestTimeoutMs", d.requestTimeout())));
      }
      Long period = positive("metrics", "periodMs");
      if (period != null) {
        if (period < 100) {
          throw new SettingsException(origin("metrics", "periodMs") + ": must be at least 100, got " + period);
        }
        b.metricsPeriod(Duration.ofMillis(period));
      }
      JsonNode commands = root.path("operations").get("commands");
      if (commands != null) {
        b.operationCommands(operationCommands(commands));
      }
    }

    /**
     * {@code operations.commands}: {@code [{"name", "command", "params": [{"name", "kind": "string|int|enum",
     * "pattern", "values", "required"}], "roles": [...], "timeoutSeconds"}]}.
     */
    private List<OperationsConfig.CommandOperation> operationCommands(JsonNode commands) {
      String where = origin("operations", "commands");
      if (!commands.isArray()) {
        throw new SettingsException(where + ": must be a list of command operations");
      }
      List<OperationsConfig.CommandOperation> out = new java.util.ArrayList<>();
      for (JsonNode c : commands) {
        String name = c.path("name").asText("");
        String command = c.path("command").asText("");
        if (!name.matches("[a-z][a-z0-9_]{0,62}") || command.isBlank()) {
          throw new SettingsException(where + ": each needs a \"name\" (a-z, 0-9, _) and a \"command\", got " + c);
        }
        List<OperationsConfig.Param> params = new java.util.ArrayList<>();
        for (JsonNode p : c.path("params")) {
          String kind = p.path("kind").asText("string");
          if (!Set.of("string", "int", "enum").contains(kind)) {
            throw new SettingsException(where + ": parameter kind of " + name + " must be string, int or enum, got " + kind);
          }
          List<String> values = new java.util.ArrayList<>();
          p.path("values").forEach(v -> values.add(v.asText()));
          params.add(new OperationsConfig.Param(p.path("name").asText(), kind, p.hasNonNull("pattern") ? p.get("pattern").asText() : null,
              values, p.path("required").asBoolean(true)));
        }
        List<String> roles = new java.util.ArrayList<>();
        c.path("roles").forEach(r -> roles.add(r.asText()));
        long timeout = c.path("timeoutSeconds").asLong(300);
        out.add(new OperationsConfig.CommandOperation(name, command, params, roles.isEmpty() ? List.of("operator") : roles,
            Duration.ofSeconds(timeout)));
      }
      return out;
    }

    private int intOr(String key, int dflt) {
      Long v = positive("bridge", key);
      if (v != null && v > Integer.MAX_VALUE) {
        throw new SettingsException(origin("bridge", key) + ": " + v + " is too large");
      }
      return v == null ? dflt : v.intValue();
    }

    private Duration msOr(String key, Duration dflt) {
      Long v = positive("bridge", key);
      return v == null ? dflt : Duration.ofMillis(v);
    }

    private Long positive(String section, String key) {
      JsonNode n = root.path(section).get(key);
      if (n == null || n.isNull()) {
        return null;
      }
      if (!n.isIntegralNumber() || n.asLong() <= 0) {
        throw new SettingsException(origin(section, key) + ": must be a positive whole number, got " + n);
      }
      return n.asLong();
    }

    private Boolean bool(String section, String key) {
      JsonNode n = root.path(section).get(key);
      if (n == null || n.isNull()) {
        return null;
      }
      if (!n.isBoolean()) {
        throw new SettingsException(origin(section, key) + ": must be true or false, got " + n);
      }
      return n.asBoolean();
    }

    private static String firstLine(String s) {
      if (s == null) {
        return "invalid";
      }
      int nl = s.indexOf('\n');
      return nl < 0 ? s : s.substring(0, nl);
    }
  }
}
