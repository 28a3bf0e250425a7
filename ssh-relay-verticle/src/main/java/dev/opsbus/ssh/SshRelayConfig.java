package dev.opsbus.ssh;

import io.vertx.pgclient.PgConnectOptions;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Configuration of the SSH relay.
 *
 * @param dataDir where session recordings go ({@code <dataDir>/recordings})
 * @param connectTimeout TCP connect plus key exchange plus authentication, each bounded by this
 * @param reattachGrace how long a terminal whose browsers all left stays open for a reattach
 * @param idleTimeout a terminal with no input and no output for this long is closed
 * @param maxSessionsPerUser open terminals one user may own, on this node
 * @param maxSessionsPerNode open terminals on this node
 * @param scrollbackBytes output kept per terminal and replayed to a joiner
 * @param recordInput also record keystrokes in the asciicast (off: output only)
 * @param healthPeriod how often each host's health is sampled
 */
public record SshRelayConfig(
    String nodeId,
    PgConnectOptions db,
    Path dataDir,
    Duration connectTimeout,
    Duration reattachGrace,
    Duration idleTimeout,
    int maxSessionsPerUser,
    int maxSessionsPerNode,
    int scrollbackBytes,
    boolean recordInput,
    Duration healthPeriod) {

  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_REATTACH_GRACE = Duration.ofSeconds(60);
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(30);
  public static final int DEFAULT_MAX_SESSIONS_PER_USER = 8;
  public static final int DEFAULT_MAX_SESSIONS_PER_NODE = 200;
  public static final int DEFAULT_SCROLLBACK_BYTES = 256 * 1024;
  public static final Duration DEFAULT_HEALTH_PERIOD = Duration.ofSeconds(30);

  public static SshRelayConfig defaults(String nodeId, PgConnectOptions db, Path dataDir) {
    return new SshRelayConfig(nodeId, db, dataDir, DEFAULT_CONNECT_TIMEOUT, DEFAULT_REATTACH_GRACE, DEFAULT_IDLE_TIMEOUT,
        DEFAULT_MAX_SESSIONS_PER_USER, DEFAULT_MAX_SESSIONS_PER_NODE, DEFAULT_SCROLLBACK_BYTES, false, DEFAULT_HEALTH_PERIOD);
  }
}
