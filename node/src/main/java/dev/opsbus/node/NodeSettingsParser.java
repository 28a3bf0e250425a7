package dev.opsbus.node;

import io.vertx.pgclient.PgConnectOptions;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads {@link NodeSettings} from flags, environment and the config file, in that order of
 * precedence, and says which flag, variable or file entry is wrong. The file's module sections are
 * read by their own config records, through {@link ConfigFile}.
 */
final class NodeSettingsParser {

  private NodeSettingsParser() {
  }

  /** A setting that has a flag, an environment variable and (except the config file) a config-file key. */
  enum Option {
    HTTP_HOST("--http-host", "OPSBUS_HTTP_HOST", "httpHost", false, "ADDR", "interface the HTTP server binds (" + NodeSettings.DEFAULT_HTTP_HOST + ")"),
    HTTP_PORT("--http-port", "OPSBUS_HTTP_PORT", "httpPort", false, "N", "HTTP port, 0 for any free one (" + NodeSettings.DEFAULT_HTTP_PORT + ")"),
    VERTICLES("--verticles", "OPSBUS_VERTICLES", "verticles", false, "a,b", "verticles to deploy (" + VerticleKind.knownNames() + ")"),
    CLUSTER("--cluster", "OPSBUS_CLUSTER", "cluster", true, null, "join a Hazelcast cluster (cluster.xml); off: a single node"),
    CLUSTER_MEMBERS("--cluster-members", "OPSBUS_CLUSTER_MEMBERS", "clusterMembers", false, "h:p,...", "TCP-IP members to join (127.0.0.1)"),
    CLUSTER_HOST("--cluster-host", "OPSBUS_CLUSTER_HOST", "clusterHost", false, "ADDR", "address the cluster member and event bus bind and advertise (" + NodeSettings.DEFAULT_CLUSTER_HOST + ")"),
    CLUSTER_NAME("--cluster-name", "OPSBUS_CLUSTER_NAME", "clusterName", false, "NAME", "cluster name; nodes join only a cluster of the same name (" + NodeSettings.DEFAULT_CLUSTER_NAME + ")"),
    PG_URL("--pg-url", "OPSBUS_PG_URL", "pgUrl", false, "URL", "external PostgreSQL, postgresql://user:pass@host:port/db (embedded PostgreSQL in the data dir)"),
    DATA_DIR("--data-dir", "OPSBUS_DATA_DIR", "dataDir", false, "DIR", "data directory (./" + NodeSettings.DEFAULT_DATA_DIR + ")"),
    CONFIG("--config", "OPSBUS_CONFIG", null, false, "FILE", "JSON config file: node, permissions, gateway, bridge, services, metrics, operations, sshRelay sections"),
    DEMO("--demo", "OPSBUS_DEMO", "demo", true, null, "start a demo SSH host on 127.0.0.1, registered as host 'demo'"),
    CLUSTER_ALLOW_PUBLIC("--cluster-allow-public", "OPSBUS_CLUSTER_ALLOW_PUBLIC", "clusterAllowPublic", true, null,
        "start even if the cluster host is public or 0.0.0.0 (only behind a firewall: cluster members are trusted)"),
    TCP_BRIDGE_PORT("--tcp-bridge-port", "OPSBUS_TCP_BRIDGE_PORT", "tcpBridgePort", false, "N", "TCP event-bus bridge port, 0 for any free one (off)"),
    TRANSPORT("--transport", "OPSBUS_TRANSPORT", "transport", false, "NAME",
        "network transport: " + NodeTransport.knownNames() + " (" + NodeTransport.DEFAULT.wireName() + "; nio where it is unavailable)");

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
  record Raw(String value, String origin) {
  }

  /** The usage text of {@code --help}. */
  static String usage() {
    StringBuilder sb = new StringBuilder("usage: java -jar opsbus.jar [options]\n\noptions (flag, environment variable):\n");
    for (Option o : Option.values()) {
      String left = o.flag + (o.valueName == null ? "" : " " + o.valueName);
      sb.append(String.format(Locale.ROOT, "  %-28s %-24s %s%n", left, o.env, o.help));
    }
    sb.append(String.format(Locale.ROOT, "  %-28s %-24s %s%n", "", NodeSettings.ADMIN_PASSWORD_ENV,
        "first start only: the admin user's password (generated when unset)"));
    sb.append(String.format(Locale.ROOT, "  %-28s %-24s %s%n", "--help", "", "print this text"));
    sb.append("\nA flag beats its environment variable, which beats the config file, which beats the default.\n");
    sb.append("Keys (outside the database): <data-dir>/keys, or OPSBUS_CREDENTIALS_KEY[_FILE], OPSBUS_JWT_KEY[_FILE].\n");
    sb.append("Rotate them with: java -jar opsbus.jar keys rotate --help\n");
    return sb.toString();
  }

  /** See {@link NodeSettings#parse}. */
  static NodeSettings parse(List<String> args, Map<String, String> env) {
    Map<Option, Raw> flags = parseFlags(args);
    Raw configRaw = pick(flags, env, null, Option.CONFIG);
    ConfigFile file = configRaw == null ? null : ConfigFile.read(configRaw);

    NodeSettings.Builder b = NodeSettings.builder();
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
    if ((v = pick(flags, env, file, Option.CLUSTER_ALLOW_PUBLIC)) != null) {
      b.clusterAllowPublic(bool(v));
    }
    if ((v = pick(flags, env, file, Option.DEMO)) != null) {
      b.demo(bool(v));
    }
    if ((v = pick(flags, env, file, Option.TRANSPORT)) != null) {
      b.transport(transport(v));
    }
    String admin = env.get(NodeSettings.ADMIN_PASSWORD_ENV);
    if (admin != null && !admin.isEmpty()) {
      b.adminPassword(admin);
    }
    if (file != null) {
      b.configFile(file.path());
      file.applySections(b);
    }
    if ((v = pick(flags, env, file, Option.TCP_BRIDGE_PORT)) != null) {
      b.gateway(b.gateway().withServices(b.gateway().services().withTcpBridgePort(port(v))));
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

  private static NodeTransport transport(Raw v) {
    try {
      return NodeTransport.parse(v.value);
    } catch (IllegalArgumentException e) {
      throw bad(v, e.getMessage());
    }
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
      throw bad(v, "'" + NodeSettings.redactUrl(s) + "' is not a PostgreSQL URL (postgresql://user:pass@host:port/db)");
    }
    try {
      PgConnectOptions o = PgConnectOptions.fromUri(s);
      if (o.getHost() == null || o.getHost().isEmpty()) {
        throw bad(v, "'" + NodeSettings.redactUrl(s) + "' names no host");
      }
    } catch (RuntimeException e) {
      if (e instanceof SettingsException se) {
        throw se;
      }
      throw bad(v, "'" + NodeSettings.redactUrl(s) + "' cannot be read: " + e.getMessage());
    }
    return s;
  }

  static Path path(Raw v) {
    try {
      if (v.value.isBlank()) {
        throw bad(v, "is empty");
      }
      return Path.of(v.value.trim());
    } catch (InvalidPathException e) {
      throw bad(v, "'" + v.value + "' is not a path: " + e.getReason());
    }
  }
}
