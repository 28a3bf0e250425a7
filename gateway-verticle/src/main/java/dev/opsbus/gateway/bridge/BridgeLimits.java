package dev.opsbus.gateway.bridge;

import java.time.Duration;

/**
 * The bounds every real-time connection lives within, whatever its transport.
 *
 * @param maxFrameBytes largest inbound frame; a larger one gets {@code too_large} and is dropped
 * @param maxAddressLength longest address a frame may name
 * @param queueBound undelivered frames a socket may hold before its overflow policy applies
 * @param maxSubscriptions addresses one socket may register at once
 * @param ratePerSecond inbound frames per second, sustained; beyond it frames get {@code rate_limited}
 * @param rateBurst inbound frames allowed in one burst
 * @param maxConnectionsPerUser open real-time connections per user on one node
 * @param idleTimeout a connection that sends nothing (not even a ping) for this long is closed
 * @param requestTimeout how long a bridged request waits for its reply
 */
public record BridgeLimits(
    int maxFrameBytes,
    int maxAddressLength,
    int queueBound,
    int maxSubscriptions,
    int ratePerSecond,
    int rateBurst,
    int maxConnectionsPerUser,
    Duration idleTimeout,
    Duration requestTimeout) {

  public static final int DEFAULT_MAX_FRAME_BYTES = 64 * 1024;
  public static final int DEFAULT_MAX_ADDRESS_LENGTH = 256;
  public static final int DEFAULT_QUEUE_BOUND = 1024;
  public static final int DEFAULT_MAX_SUBSCRIPTIONS = 256;
  public static final int DEFAULT_RATE_PER_SECOND = 100;
  public static final int DEFAULT_RATE_BURST = 200;
  public static final int DEFAULT_MAX_CONNECTIONS_PER_USER = 32;
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);

  public BridgeLimits {
    positive("maxFrameBytes", maxFrameBytes);
    positive("maxAddressLength", maxAddressLength);
    positive("queueBound", queueBound);
    positive("maxSubscriptions", maxSubscriptions);
    positive("ratePerSecond", ratePerSecond);
    positive("rateBurst", rateBurst);
    positive("maxConnectionsPerUser", maxConnectionsPerUser);
    if (idleTimeout.isNegative() || idleTimeout.isZero() || requestTimeout.isNegative() || requestTimeout.isZero()) {
      throw new IllegalArgumentException("bridge timeouts must be positive");
    }
  }

  private static void positive(String name, int v) {
    if (v <= 0) {
      throw new IllegalArgumentException("bridge limit " + name + " must be positive, got " + v);
    }
  }

  public static BridgeLimits defaults() {
    return new BridgeLimits(DEFAULT_MAX_FRAME_BYTES, DEFAULT_MAX_ADDRESS_LENGTH, DEFAULT_QUEUE_BOUND,
        DEFAULT_MAX_SUBSCRIPTIONS, DEFAULT_RATE_PER_SECOND, DEFAULT_RATE_BURST, DEFAULT_MAX_CONNECTIONS_PER_USER,
        DEFAULT_IDLE_TIMEOUT, DEFAULT_REQUEST_TIMEOUT);
  }

  public BridgeLimits withQueueBound(int bound) {
    return new BridgeLimits(maxFrameBytes, maxAddressLength, bound, maxSubscriptions, ratePerSecond, rateBurst,
        maxConnectionsPerUser, idleTimeout, requestTimeout);
  }

  public BridgeLimits withRate(int perSecond, int burst) {
    return new BridgeLimits(maxFrameBytes, maxAddressLength, queueBound, maxSubscriptions, perSecond, burst,
        maxConnectionsPerUser, idleTimeout, requestTimeout);
  }
}
