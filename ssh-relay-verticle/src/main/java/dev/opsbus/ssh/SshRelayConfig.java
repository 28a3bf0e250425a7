package dev.opsbus.ssh;

import com.fasterxml.jackson.databind.JsonNode;
import dev.opsbus.model.config.ConfigSection;
import dev.opsbus.model.secret.NodeSecrets;
import dev.opsbus.ssh.recording.RecordingLimits;
import io.vertx.pgclient.PgConnectOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Configuration of the SSH relay. The launcher starts from {@link #defaults}, applies the config
 * file's {@code sshRelay} section ({@link #fromJson}) and its data directory ({@link #withDataDir}),
 * and once the node runs, its id and database ({@link #forNode}).
 *
 * @param nodeId this node; null until {@link #forNode}
 * @param db the database; null until {@link #forNode}
 * @param dataDir the node's data directory (recordings live in the database since V18)
 * @param connectTimeout TCP connect plus key exchange plus authentication, each bounded by this
 * @param reattachGrace how long a terminal whose browsers all left stays open for a reattach
 * @param idleTimeout a terminal with no input and no output for this long is closed
 * @param maxSessionsPerUser open terminals one user may own, on this node
 * @param maxSessionsPerNode open terminals on this node
 * @param scrollbackBytes output kept per terminal and replayed to a joiner
 * @param recordInput also record keystrokes in the asciicast (off: output only)
 * @param healthPeriod how often each host's health is sampled
 * @param dbPoolSize connections in the relay's database pool
 * @param recordings size limit and retention of terminal recordings ({@code recording*} keys)
 * @param logReplayLines the last lines of each tailed log the relay keeps and replays to a new
 *     subscriber of {@code logs.host.{hostId}.{stream}} (1 to {@value #MAX_LOG_REPLAY_LINES})
 * @param secrets the credentials key that opens host secrets, from the launcher's key files; null
 *     until {@link #withSecrets} (the relay refuses to start without it)
 * @param pool how commands share SSH connections ({@link ConnectionPoolSettings}; keys {@code pool*} and
 *     {@code keepAliveSeconds})
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
    Duration healthPeriod,
    int dbPoolSize,
    RecordingLimits recordings,
    int logReplayLines,
    NodeSecrets secrets,
    ConnectionPoolSettings pool) {

  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_REATTACH_GRACE = Duration.ofSeconds(60);
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(30);
  public static final int DEFAULT_MAX_SESSIONS_PER_USER = 8;
  public static final int DEFAULT_MAX_SESSIONS_PER_NODE = 200;
  public static final int DEFAULT_SCROLLBACK_BYTES = 256 * 1024;
  public static final Duration DEFAULT_HEALTH_PERIOD = Duration.ofSeconds(30);
  public static final int DEFAULT_DB_POOL_SIZE = 4;
  public static final int DEFAULT_LOG_REPLAY_LINES = 100;
  /** Bounds the memory of the replay: lines per log, kept by the log's owner. */
  public static final int MAX_LOG_REPLAY_LINES = 10_000;

  /** The config file's section for the relay, and its keys. */
  public static final String SECTION = "sshRelay";
  public static final Set<String> KEYS = Set.of("connectTimeoutMs", "reattachGraceSeconds", "idleTimeoutSeconds",
      "maxSessionsPerUser", "maxSessionsPerNode", "scrollbackBytes", "recordInput", "healthPeriodSeconds", "dbPoolSize",
      "recordingMaxBytes", "recordingMaxAgeHours", "recordingMaxTotalBytes", "recordingSweepSeconds", "logReplayLines",
      "poolMaxPerHost", "poolMaxTotal", "poolChannelsPerConnection", "poolIdleSeconds", "keepAliveSeconds");

  public SshRelayConfig {
    for (Duration d : List.of(connectTimeout, reattachGrace, idleTimeout, healthPeriod)) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("relay durations must be positive, got " + d);
      }
    }
    if (recordings == null) {
      throw new IllegalArgumentException("relay recording limits are required");
    }
    if (maxSessionsPerUser <= 0 || maxSessionsPerNode <= 0 || scrollbackBytes <= 0 || dbPoolSize <= 0) {
      throw new IllegalArgumentException("relay session limits, scrollback and pool size must be positive");
    }
    if (logReplayLines <= 0 || logReplayLines > MAX_LOG_REPLAY_LINES) {
      throw new IllegalArgumentException("logReplayLines must be 1 to " + MAX_LOG_REPLAY_LINES + ", got " + logReplayLines);
    }
    if (pool == null) {
      pool = ConnectionPoolSettings.DEFAULTS;
    }
  }

  public static SshRelayConfig defaults(String nodeId, PgConnectOptions db, Path dataDir) {
    return new SshRelayConfig(nodeId, db, dataDir, DEFAULT_CONNECT_TIMEOUT, DEFAULT_REATTACH_GRACE, DEFAULT_IDLE_TIMEOUT,
        DEFAULT_MAX_SESSIONS_PER_USER, DEFAULT_MAX_SESSIONS_PER_NODE, DEFAULT_SCROLLBACK_BYTES, false, DEFAULT_HEALTH_PERIOD,
        DEFAULT_DB_POOL_SIZE, RecordingLimits.DEFAULTS, DEFAULT_LOG_REPLAY_LINES, null, ConnectionPoolSettings.DEFAULTS);
  }

  /**
   * The config file's {@code sshRelay} section over {@code base}; keys left out keep their value in
   * {@code base}. Numbers are positive whole numbers (durations in the unit their key names),
   * {@code recordInput} is true or false.
   *
   * @throws dev.opsbus.model.config.ConfigException naming the unknown or bad key
   */
  public static SshRelayConfig fromJson(JsonNode section, SshRelayConfig base) {
    ConfigSection s = ConfigSection.of(SECTION, section, KEYS);
    RecordingLimits r = base.recordings;
    RecordingLimits recordings;
    try {
      recordings = new RecordingLimits(s.positiveLong("recordingMaxBytes", r.maxBytes()),
          s.duration("recordingMaxAgeHours", Duration::ofHours, r.maxAge()),
          s.positiveLong("recordingMaxTotalBytes", r.maxTotalBytes()),
          s.duration("recordingSweepSeconds", Duration::ofSeconds, r.sweepPeriod()));
    } catch (IllegalArgumentException e) {
      throw s.bad(s.has("recordingMaxBytes") ? "recordingMaxBytes" : "recordingMaxTotalBytes", e.getMessage());
    }
    return new SshRelayConfig(base.nodeId, base.db, base.dataDir,
        s.duration("connectTimeoutMs", Duration::ofMillis, base.connectTimeout),
        s.duration("reattachGraceSeconds", Duration::ofSeconds, base.reattachGrace),
        s.duration("idleTimeoutSeconds", Duration::ofSeconds, base.idleTimeout),
        s.positiveInt("maxSessionsPerUser", base.maxSessionsPerUser),
        s.positiveInt("maxSessionsPerNode", base.maxSessionsPerNode),
        s.positiveInt("scrollbackBytes", base.scrollbackBytes),
        s.bool("recordInput", base.recordInput),
        s.duration("healthPeriodSeconds", Duration::ofSeconds, base.healthPeriod),
        s.positiveInt("dbPoolSize", base.dbPoolSize), recordings, logReplayLines(s, base.logReplayLines), base.secrets,
        new ConnectionPoolSettings(
            s.positiveInt("poolMaxPerHost", base.pool.maxPerHost()),
            s.positiveInt("poolMaxTotal", base.pool.maxTotal()),
            s.positiveInt("poolChannelsPerConnection", base.pool.channelsPerConnection()),
            s.duration("poolIdleSeconds", Duration::ofSeconds, base.pool.idleTimeout()),
            s.duration("keepAliveSeconds", Duration::ofSeconds, base.pool.keepAlive())));
  }

  private static int logReplayLines(ConfigSection s, int dflt) {
    int n = s.positiveInt("logReplayLines", dflt);
    if (n > MAX_LOG_REPLAY_LINES) {
      throw s.bad("logReplayLines", "at most " + MAX_LOG_REPLAY_LINES + " lines, got " + n);
    }
    return n;
  }

  public SshRelayConfig withDataDir(Path dir) {
    return new SshRelayConfig(nodeId, db, dir, connectTimeout, reattachGrace, idleTimeout, maxSessionsPerUser,
        maxSessionsPerNode, scrollbackBytes, recordInput, healthPeriod, dbPoolSize, recordings, logReplayLines, secrets, pool);
  }

  /** This config replaying {@code lines} lines of each log to a new subscriber. */
  public SshRelayConfig withLogReplayLines(int lines) {
    return new SshRelayConfig(nodeId, db, dataDir, connectTimeout, reattachGrace, idleTimeout, maxSessionsPerUser,
        maxSessionsPerNode, scrollbackBytes, recordInput, healthPeriod, dbPoolSize, recordings, lines, secrets, pool);
  }

  /** This config with the credentials key (only that: the relay needs no token key). */
  public SshRelayConfig withSecrets(NodeSecrets keys) {
    return new SshRelayConfig(nodeId, db, dataDir, connectTimeout, reattachGrace, idleTimeout, maxSessionsPerUser,
        maxSessionsPerNode, scrollbackBytes, recordInput, healthPeriod, dbPoolSize, recordings, logReplayLines,
        keys == null ? null : keys.credentialsOnly(), pool);
  }

  /** Without secrets (tests add them with {@link #withSecrets}). */
  public SshRelayConfig(String nodeId, PgConnectOptions db, Path dataDir, Duration connectTimeout, Duration reattachGrace,
      Duration idleTimeout, int maxSessionsPerUser, int maxSessionsPerNode, int scrollbackBytes, boolean recordInput,
      Duration healthPeriod, int dbPoolSize) {
    this(nodeId, db, dataDir, connectTimeout, reattachGrace, idleTimeout, maxSessionsPerUser, maxSessionsPerNode, scrollbackBytes,
        recordInput, healthPeriod, dbPoolSize, RecordingLimits.DEFAULTS, DEFAULT_LOG_REPLAY_LINES, null, ConnectionPoolSettings.DEFAULTS);
  }

  /** This config with other recording limits. */
  public SshRelayConfig withRecordings(RecordingLimits limits) {
    return new SshRelayConfig(nodeId, db, dataDir, connectTimeout, reattachGrace, idleTimeout, maxSessionsPerUser,
        maxSessionsPerNode, scrollbackBytes, recordInput, healthPeriod, dbPoolSize, limits, logReplayLines, secrets, pool);
  }

  /** This config with other connection pool settings. */
  public SshRelayConfig withPool(ConnectionPoolSettings settings) {
    return new SshRelayConfig(nodeId, db, dataDir, connectTimeout, reattachGrace, idleTimeout, maxSessionsPerUser,
        maxSessionsPerNode, scrollbackBytes, recordInput, healthPeriod, dbPoolSize, recordings, logReplayLines, secrets, settings);
  }

  /** This config for one running node. */
  public SshRelayConfig forNode(String nodeId, PgConnectOptions db) {
    return new SshRelayConfig(nodeId, db, dataDir, connectTimeout, reattachGrace, idleTimeout, maxSessionsPerUser,
        maxSessionsPerNode, scrollbackBytes, recordInput, healthPeriod, dbPoolSize, recordings, logReplayLines, secrets, pool);
  }
}
