package dev.opsbus.ssh;

import java.time.Duration;

/**
 * How the relay's commands share SSH connections ({@link SshConnectionPool}); the config file's
 * {@code sshRelay.pool*} and {@code sshRelay.keepAliveSeconds}.
 *
 * @param maxPerHost connections open at once to one host (one set of address, user, credentials and pin)
 * @param maxTotal connections open at once to all hosts; an idle one of another host is closed to make room
 * @param channelsPerConnection commands sharing one connection at once (each may open a second channel
 *     for its kill, so twice this stays under OpenSSH's default {@code MaxSessions 10})
 * @param idleTimeout a connection no command used for this long is closed
 * @param keepAlive interval of the SSH keep-alive ({@code keepalive@openssh.com}) on pooled connections;
 *     five unanswered in a row and the connection is dropped as broken
 */
public record ConnectionPoolSettings(int maxPerHost, int maxTotal, int channelsPerConnection, Duration idleTimeout,
    Duration keepAlive) {

  public static final int DEFAULT_MAX_PER_HOST = 4;
  public static final int DEFAULT_MAX_TOTAL = 256;
  public static final int DEFAULT_CHANNELS_PER_CONNECTION = 4;
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
  public static final Duration DEFAULT_KEEP_ALIVE = Duration.ofSeconds(15);

  public static final ConnectionPoolSettings DEFAULTS = new ConnectionPoolSettings(DEFAULT_MAX_PER_HOST, DEFAULT_MAX_TOTAL,
      DEFAULT_CHANNELS_PER_CONNECTION, DEFAULT_IDLE_TIMEOUT, DEFAULT_KEEP_ALIVE);

  public ConnectionPoolSettings {
    if (maxPerHost <= 0 || maxTotal <= 0 || channelsPerConnection <= 0) {
      throw new IllegalArgumentException("connection pool limits must be positive");
    }
    if (idleTimeout == null || idleTimeout.isNegative() || idleTimeout.isZero() || keepAlive == null || keepAlive.isNegative()
        || keepAlive.isZero()) {
      throw new IllegalArgumentException("connection pool durations must be positive");
    }
  }

  public ConnectionPoolSettings withIdleTimeout(Duration d) {
    return new ConnectionPoolSettings(maxPerHost, maxTotal, channelsPerConnection, d, keepAlive);
  }

  public ConnectionPoolSettings withMaxPerHost(int n) {
    return new ConnectionPoolSettings(n, maxTotal, channelsPerConnection, idleTimeout, keepAlive);
  }

  public ConnectionPoolSettings withChannelsPerConnection(int n) {
    return new ConnectionPoolSettings(maxPerHost, maxTotal, n, idleTimeout, keepAlive);
  }
}
