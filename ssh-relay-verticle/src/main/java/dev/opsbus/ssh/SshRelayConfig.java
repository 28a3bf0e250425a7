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
 * and once the node runs, its id and database ({@link #forNode}). Code that changes several values
 * (tests) names them on a {@link Builder} ({@link #builder}, {@link #toBuilder}).
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
    return base.toBuilder()
        .connectTimeout(s.duration("connectTimeoutMs", Duration::ofMillis, base.connectTimeout))
        .reattachGrace(s.duration("reattachGraceSeconds", Duration::ofSeconds, base.reattachGrace))
        .idleTimeout(s.duration("idleTimeoutSeconds", Duration::ofSeconds, base.idleTimeout))
        .maxSessionsPerUser(s.positiveInt("maxSessionsPerUser", base.maxSessionsPerUser))
        .maxSessionsPerNode(s.positiveInt("maxSessionsPerNode", base.maxSessionsPerNode))
        .scrollbackBytes(s.positiveInt("scrollbackBytes", base.scrollbackBytes))
        .recordInput(s.bool("recordInput", base.recordInput))
        .healthPeriod(s.duration("healthPeriodSeconds", Duration::ofSeconds, base.healthPeriod))
        .dbPoolSize(s.positiveInt("dbPoolSize", base.dbPoolSize))
        .recordings(recordings)
        .logReplayLines(logReplayLines(s, base.logReplayLines))
        .pool(new ConnectionPoolSettings(
            s.positiveInt("poolMaxPerHost", base.pool.maxPerHost()),
            s.positiveInt("poolMaxTotal", base.pool.maxTotal()),
            s.positiveInt("poolChannelsPerConnection", base.pool.channelsPerConnection()),
            s.duration("poolIdleSeconds", Duration::ofSeconds, base.pool.idleTimeout()),
            s.duration("keepAliveSeconds", Duration::ofSeconds, base.pool.keepAlive())))
        .build();
  }

  private static int logReplayLines(ConfigSection s, int dflt) {
    int n = s.positiveInt("logReplayLines", dflt);
    if (n > MAX_LOG_REPLAY_LINES) {
      throw s.bad("logReplayLines", "at most " + MAX_LOG_REPLAY_LINES + " lines, got " + n);
    }
    return n;
  }

  public SshRelayConfig withDataDir(Path dir) {
    return toBuilder().dataDir(dir).build();
  }

  /** This config replaying {@code lines} lines of each log to a new subscriber. */
  public SshRelayConfig withLogReplayLines(int lines) {
    return toBuilder().logReplayLines(lines).build();
  }

  /** This config with the credentials key (only that: the relay needs no token key). */
  public SshRelayConfig withSecrets(NodeSecrets keys) {
    return toBuilder().secrets(keys == null ? null : keys.credentialsOnly()).build();
  }

  /** This config with other recording limits. */
  public SshRelayConfig withRecordings(RecordingLimits limits) {
    return toBuilder().recordings(limits).build();
  }

  /** This config with other connection pool settings. */
  public SshRelayConfig withPool(ConnectionPoolSettings settings) {
    return toBuilder().pool(settings).build();
  }

  /** This config for one running node. */
  public SshRelayConfig forNode(String nodeId, PgConnectOptions db) {
    return toBuilder().nodeId(nodeId).db(db).build();
  }

  /** A builder holding this config's values, to change some by name. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.nodeId = nodeId;
    b.db = db;
    b.dataDir = dataDir;
    b.connectTimeout = connectTimeout;
    b.reattachGrace = reattachGrace;
    b.idleTimeout = idleTimeout;
    b.maxSessionsPerUser = maxSessionsPerUser;
    b.maxSessionsPerNode = maxSessionsPerNode;
    b.scrollbackBytes = scrollbackBytes;
    b.recordInput = recordInput;
    b.healthPeriod = healthPeriod;
    b.dbPoolSize = dbPoolSize;
    b.recordings = recordings;
    b.logReplayLines = logReplayLines;
    b.secrets = secrets;
    b.pool = pool;
    return b;
  }

  /** The defaults ({@link #defaults}) for this node, database and data directory, to change by name. */
  public static Builder builder(String nodeId, PgConnectOptions db, Path dataDir) {
    return defaults(nodeId, db, dataDir).toBuilder();
  }

  /** Changes a config by name rather than by position; {@link #build} checks it as the constructor does. */
  public static final class Builder {
    private String nodeId;
    private PgConnectOptions db;
    private Path dataDir;
    private Duration connectTimeout;
    private Duration reattachGrace;
    private Duration idleTimeout;
    private int maxSessionsPerUser;
    private int maxSessionsPerNode;
    private int scrollbackBytes;
    private boolean recordInput;
    private Duration healthPeriod;
    private int dbPoolSize;
    private RecordingLimits recordings;
    private int logReplayLines;
    private NodeSecrets secrets;
    private ConnectionPoolSettings pool;

    private Builder() {
    }

    public Builder nodeId(String value) {
      this.nodeId = value;
      return this;
    }

    public Builder db(PgConnectOptions value) {
      this.db = value;
      return this;
    }

    public Builder dataDir(Path value) {
      this.dataDir = value;
      return this;
    }

    public Builder connectTimeout(Duration value) {
      this.connectTimeout = value;
      return this;
    }

    public Builder reattachGrace(Duration value) {
      this.reattachGrace = value;
      return this;
    }

    public Builder idleTimeout(Duration value) {
      this.idleTimeout = value;
      return this;
    }

    public Builder maxSessionsPerUser(int value) {
      this.maxSessionsPerUser = value;
      return this;
    }

    public Builder maxSessionsPerNode(int value) {
      this.maxSessionsPerNode = value;
      return this;
    }

    public Builder scrollbackBytes(int value) {
      this.scrollbackBytes = value;
      return this;
    }

    public Builder recordInput(boolean value) {
      this.recordInput = value;
      return this;
    }

    public Builder healthPeriod(Duration value) {
      this.healthPeriod = value;
      return this;
    }

    public Builder dbPoolSize(int value) {
      this.dbPoolSize = value;
      return this;
    }

    public Builder recordings(RecordingLimits value) {
      this.recordings = value;
      return this;
    }

    public Builder logReplayLines(int value) {
      this.logReplayLines = value;
      return this;
    }

    public Builder secrets(NodeSecrets value) {
      this.secrets = value;
      return this;
    }

    public Builder pool(ConnectionPoolSettings value) {
      this.pool = value;
      return this;
    }

    public SshRelayConfig build() {
      return new SshRelayConfig(nodeId, db, dataDir, connectTimeout, reattachGrace, idleTimeout, maxSessionsPerUser,
          maxSessionsPerNode, scrollbackBytes, recordInput, healthPeriod, dbPoolSize, recordings, logReplayLines, secrets, pool);
    }
  }
}
