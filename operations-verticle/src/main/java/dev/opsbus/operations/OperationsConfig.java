package dev.opsbus.operations;

import io.vertx.pgclient.PgConnectOptions;
import java.time.Duration;
import java.util.List;

/**
 * Configuration of the operations verticle.
 *
 * @param commands operation types defined in config, beside the built-in ones
 * @param heartbeat how often this node tells the database it is alive
 * @param nodeLostAfter a node silent this long has its running operations failed with node_lost
 * @param retention finished operations older than this are deleted (history); activity likewise
 * @param schedulerTick how often schedules are checked for a due occurrence
 */
public record OperationsConfig(
    String nodeId,
    PgConnectOptions db,
    List<CommandOperation> commands,
    Duration heartbeat,
    Duration nodeLostAfter,
    Duration retention,
    Duration schedulerTick) {

  public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(5);
  public static final Duration DEFAULT_NODE_LOST_AFTER = Duration.ofSeconds(15);
  public static final Duration DEFAULT_RETENTION = Duration.ofDays(90);
  public static final Duration DEFAULT_SCHEDULER_TICK = Duration.ofSeconds(1);

  public OperationsConfig {
    commands = List.copyOf(commands);
  }

  public static OperationsConfig defaults(String nodeId, PgConnectOptions db) {
    return new OperationsConfig(nodeId, db, List.of(), DEFAULT_HEARTBEAT, DEFAULT_NODE_LOST_AFTER, DEFAULT_RETENTION, DEFAULT_SCHEDULER_TICK);
  }

  public OperationsConfig withCommands(List<CommandOperation> more) {
    return new OperationsConfig(nodeId, db, more, heartbeat, nodeLostAfter, retention, schedulerTick);
  }

  public OperationsConfig withLiveness(Duration beat, Duration lostAfter) {
    return new OperationsConfig(nodeId, db, commands, beat, lostAfter, retention, schedulerTick);
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

    public CommandOperation {
      params = List.copyOf(params);
      roles = List.copyOf(roles);
    }
  }

  /** A typed parameter of an operation. */
  public record Param(String name, String kind, String pattern, List<String> values, boolean required) {

    public Param {
      values = values == null ? List.of() : List.copyOf(values);
    }
  }
}
