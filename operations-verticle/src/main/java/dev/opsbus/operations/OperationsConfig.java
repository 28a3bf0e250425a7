package dev.opsbus.operations;

import com.fasterxml.jackson.databind.JsonNode;
import dev.opsbus.model.Role;
import dev.opsbus.model.config.ConfigSection;
import io.vertx.pgclient.PgConnectOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Configuration of the operations verticle. The launcher starts from {@link #defaults}, applies the
 * config file's {@code operations} section ({@link #fromJson}), and once the node runs, its id and
 * database ({@link #forNode}).
 *
 * @param nodeId this node; null until {@link #forNode}
 * @param db the database; null until {@link #forNode}
 * @param commands operation types defined in config, beside the built-in ones
 * @param heartbeat how often this node tells the database it is alive
 * @param nodeLostAfter a node silent this long has its running operations failed with node_lost
 * @param retention finished operations older than this are deleted (history); activity likewise
 * @param schedulerTick how often schedules are checked for a due occurrence
 * @param dbPoolSize connections in the verticle's database pool
 * @param fencingTimeout how long a start of a host and type waits for the command of a lost node's
 *     operation to be confirmed gone from the host before it runs anyway
 * @param maxRunning commands of this node's operations running at once (below the relay's own limit
 *     of 256 commands); the others wait, pending, in order
 * @param maxQueued operations admitted beyond {@code maxRunning} that wait for a slot; a start past
 *     that is refused {@code unavailable}
 */
public record OperationsConfig(
    String nodeId,
    PgConnectOptions db,
    List<CommandOperation> commands,
    Duration heartbeat,
    Duration nodeLostAfter,
    Duration retention,
    Duration schedulerTick,
    int dbPoolSize,
    Duration fencingTimeout,
    int maxRunning,
    int maxQueued) {

  public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(5);
  public static final Duration DEFAULT_NODE_LOST_AFTER = Duration.ofSeconds(15);
  public static final Duration DEFAULT_RETENTION = Duration.ofDays(90);
  public static final Duration DEFAULT_SCHEDULER_TICK = Duration.ofSeconds(1);
  public static final int DEFAULT_DB_POOL_SIZE = 6;
  public static final Duration DEFAULT_FENCING_TIMEOUT = Duration.ofSeconds(30);
  public static final int DEFAULT_MAX_RUNNING = 200;
  public static final int DEFAULT_MAX_QUEUED = 20_000;

  /** The config file's section for operations, and its keys. */
  public static final String SECTION = "operations";
  public static final Set<String> KEYS = Set.of("commands", "heartbeatMs", "nodeLostAfterSeconds", "retentionDays",
      "schedulerTickMs", "dbPoolSize", "fencingTimeoutSeconds", "maxRunning", "maxQueued");

  public OperationsConfig {
    commands = List.copyOf(commands);
    for (Duration d : List.of(heartbeat, nodeLostAfter, retention, schedulerTick, fencingTimeout)) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("operations durations must be positive, got " + d);
      }
    }
    if (nodeLostAfter.compareTo(heartbeat) <= 0) {
      // a live node would be declared lost between two of its own heartbeats
      throw new IllegalArgumentException("nodeLostAfter (" + nodeLostAfter + ") must be longer than heartbeat (" + heartbeat + ")");
    }
    if (dbPoolSize <= 0) {
      throw new IllegalArgumentException("database pool size must be positive, got " + dbPoolSize);
    }
    if (maxRunning <= 0 || maxQueued < 0) {
      throw new IllegalArgumentException("maxRunning must be positive and maxQueued not negative, got " + maxRunning + " and " + maxQueued);
    }
  }

  public static OperationsConfig defaults(String nodeId, PgConnectOptions db) {
    return new OperationsConfig(nodeId, db, List.of(), DEFAULT_HEARTBEAT, DEFAULT_NODE_LOST_AFTER, DEFAULT_RETENTION,
        DEFAULT_SCHEDULER_TICK, DEFAULT_DB_POOL_SIZE, DEFAULT_FENCING_TIMEOUT, DEFAULT_MAX_RUNNING, DEFAULT_MAX_QUEUED);
  }

  /**
   * The config file's {@code operations} section over {@code base}; keys left out keep their value in
   * {@code base}. Durations are positive whole numbers in the unit their key names;
   * {@code nodeLostAfterSeconds} must exceed the heartbeat. {@code commands} replaces base's list.
   *
   * @throws dev.opsbus.model.config.ConfigException naming the unknown or bad key
   */
  public static OperationsConfig fromJson(JsonNode section, OperationsConfig base) {
    ConfigSection s = ConfigSection.of(SECTION, section, KEYS);
    Duration heartbeat = s.duration("heartbeatMs", Duration::ofMillis, base.heartbeat);
    Duration lostAfter = s.duration("nodeLostAfterSeconds", Duration::ofSeconds, base.nodeLostAfter);
    if (lostAfter.compareTo(heartbeat) <= 0) {
      String key = s.has("nodeLostAfterSeconds") ? "nodeLostAfterSeconds" : "heartbeatMs";
      throw s.bad(key, "the node-lost time (" + lostAfter.toMillis() + " ms) must be longer than the heartbeat ("
          + heartbeat.toMillis() + " ms), or live nodes are declared lost");
    }
    List<CommandOperation> commands = base.commands;
    if (s.has("commands")) {
      commands = new ArrayList<>();
      Set<String> names = new HashSet<>();
      OperationType.builtIns().forEach(t -> names.add(t.name()));
      for (ConfigSection c : s.objects("commands", CommandOperation.KEYS)) {
        CommandOperation op = CommandOperation.fromJson(c);
        if (!names.add(op.name())) {
          throw c.bad("name", "operation type '" + op.name() + "' is defined twice (or is built in)");
        }
        commands.add(op);
      }
    }
    return new OperationsConfig(base.nodeId, base.db, commands, heartbeat, lostAfter,
        s.duration("retentionDays", Duration::ofDays, base.retention),
        s.duration("schedulerTickMs", Duration::ofMillis, base.schedulerTick),
        s.positiveInt("dbPoolSize", base.dbPoolSize),
        s.duration("fencingTimeoutSeconds", Duration::ofSeconds, base.fencingTimeout),
        s.positiveInt("maxRunning", base.maxRunning), s.positiveInt("maxQueued", base.maxQueued));
  }

  /** This config for one running node. */
  public OperationsConfig forNode(String nodeId, PgConnectOptions db) {
    return new OperationsConfig(nodeId, db, commands, heartbeat, nodeLostAfter, retention, schedulerTick, dbPoolSize, fencingTimeout, maxRunning, maxQueued);
  }

  public OperationsConfig withCommands(List<CommandOperation> more) {
    return new OperationsConfig(nodeId, db, more, heartbeat, nodeLostAfter, retention, schedulerTick, dbPoolSize, fencingTimeout, maxRunning, maxQueued);
  }

  public OperationsConfig withLiveness(Duration beat, Duration lostAfter) {
    return new OperationsConfig(nodeId, db, commands, beat, lostAfter, retention, schedulerTick, dbPoolSize, fencingTimeout, maxRunning, maxQueued);
  }

  public OperationsConfig withFencingTimeout(Duration timeout) {
    return new OperationsConfig(nodeId, db, commands, heartbeat, nodeLostAfter, retention, schedulerTick, dbPoolSize, timeout, maxRunning, maxQueued);
  }

  /** This config with other run limits (see {@link RunSlots}). */
  public OperationsConfig withRunLimits(int running, int queued) {
    return new OperationsConfig(nodeId, db, commands, heartbeat, nodeLostAfter, retention, schedulerTick, dbPoolSize, fencingTimeout, running, queued);
  }

  public OperationsConfig withSchedulerTick(Duration tick) {
    return new OperationsConfig(nodeId, db, commands, heartbeat, nodeLostAfter, retention, tick, dbPoolSize, fencingTimeout, maxRunning, maxQueued);
  }

  /**
   * An operation type defined in config: a command template with typed parameters.
   *
   * @param command the remote command; {@code {name}} is replaced by the parameter, shell-quoted
   * @param params each parameter's kind: {@code string} (with an optional regex), {@code int}, or
   *     {@code enum} (with values)
   * @param roles who may start it (admins always may)
   */
  public record CommandOperation(String name, String command, List<Param> params, List<String> roles, Duration timeout) {

    public static final Set<String> KEYS = Set.of("name", "command", "params", "roles", "timeoutSeconds");
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,62}");

    public CommandOperation {
      params = List.copyOf(params);
      roles = List.copyOf(roles);
    }

    /**
     * One entry of {@code operations.commands}: {@code {"name", "command", "params": [...], "roles": [...],
     * "timeoutSeconds"}}; roles default to {@code operator} (admins always may), the timeout to 5 minutes.
     */
    static CommandOperation fromJson(ConfigSection c) {
      String name = c.string("name", null);
      if (name == null || !NAME.matcher(name).matches()) {
        throw c.bad("name", "must be given: a-z first, then a-z, 0-9 or _ (at most 63), got " + c.raw("name"));
      }
      String command = c.string("command", null);
      if (command == null) {
        throw c.bad("command", "must be given: the remote command of '" + name + "'");
      }
      List<Param> params = new ArrayList<>();
      for (ConfigSection p : c.objects("params", Param.KEYS)) {
        params.add(Param.fromJson(p));
      }
      List<String> roles = c.strings("roles", List.of());
      if (roles.isEmpty()) {
        roles = List.of(Role.OPERATOR.wireName());
      }
      for (String r : roles) {
        try {
          Role.parse(r);
        } catch (IllegalArgumentException e) {
          throw c.bad("roles", e.getMessage());
        }
      }
      return new CommandOperation(name, command, params, roles,
          c.duration("timeoutSeconds", Duration::ofSeconds, DEFAULT_TIMEOUT));
    }
  }

  /** A typed parameter of an operation. */
  public record Param(String name, String kind, String pattern, List<String> values, boolean required) {

    public static final Set<String> KEYS = Set.of("name", "kind", "pattern", "values", "required");
    public static final Set<String> KINDS = Set.of("string", "int", "enum");

    public Param {
      values = values == null ? List.of() : List.copyOf(values);
    }

    /** One parameter: {@code {"name", "kind": "string|int|enum", "pattern", "values", "required"}}. */
    static Param fromJson(ConfigSection p) {
      String name = p.string("name", null);
      if (name == null) {
        throw p.bad("name", "must be given");
      }
      String kind = p.string("kind", "string");
      if (!KINDS.contains(kind)) {
        throw p.bad("kind", "must be string, int or enum, got " + kind);
      }
      String pattern = p.string("pattern", null);
      if (pattern != null) {
        try {
          Pattern.compile(pattern);
        } catch (PatternSyntaxException e) {
          throw p.bad("pattern", "is not a regular expression: " + e.getDescription());
        }
      }
      List<String> values = p.strings("values", List.of());
      if (kind.equals("enum") && values.isEmpty()) {
        throw p.bad("values", "an enum parameter needs its values");
      }
      return new Param(name, kind, pattern, values, p.bool("required", true));
    }
  }
}
