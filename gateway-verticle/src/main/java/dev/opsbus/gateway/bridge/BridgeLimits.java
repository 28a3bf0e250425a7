package dev.opsbus.gateway.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.opsbus.model.config.ConfigSection;
import java.time.Duration;
import java.util.Set;

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
 * @param maxConnections bridge connections (every transport) open on this node; past it a new one
 *     gets {@code node_full} and is closed, and {@code /ready} answers 503 {@code node_full}
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
    Duration requestTimeout,
    int maxConnections) {

  public static final int DEFAULT_MAX_FRAME_BYTES = 64 * 1024;
  public static final int DEFAULT_MAX_ADDRESS_LENGTH = 256;
  public static final int DEFAULT_QUEUE_BOUND = 1024;
  public static final int DEFAULT_MAX_SUBSCRIPTIONS = 256;
  public static final int DEFAULT_RATE_PER_SECOND = 100;
  public static final int DEFAULT_RATE_BURST = 200;
  public static final int DEFAULT_MAX_CONNECTIONS_PER_USER = 32;
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
  public static final int DEFAULT_MAX_CONNECTIONS = 10_000;

  /** The config file's section for these limits, and its keys (durations in milliseconds). */
  public static final String SECTION = "bridge";
  public static final Set<String> KEYS = Set.of("maxFrameBytes", "maxAddressLength", "queueBound", "maxSubscriptions",
      "ratePerSecond", "rateBurst", "maxConnectionsPerUser", "idleTimeoutMs", "requestTimeoutMs", "maxConnections");

  public BridgeLimits {
    positive("maxFrameBytes", maxFrameBytes);
    positive("maxAddressLength", maxAddressLength);
    positive("queueBound", queueBound);
    positive("maxSubscriptions", maxSubscriptions);
    positive("ratePerSecond", ratePerSecond);
    positive("rateBurst", rateBurst);
    positive("maxConnectionsPerUser", maxConnectionsPerUser);
    positive("maxConnections", maxConnections);
    if (idleTimeout.isNegative() || idleTimeout.isZero() || requestTimeout.isNegative() || requestTimeout.isZero()) {
      throw new IllegalArgumentException("bridge timeouts must be positive");
    }
  }

  /** With the default {@code maxConnections}. */
  public BridgeLimits(int maxFrameBytes, int maxAddressLength, int queueBound, int maxSubscriptions, int ratePerSecond, int rateBurst,
      int maxConnectionsPerUser, Duration idleTimeout, Duration requestTimeout) {
    this(maxFrameBytes, maxAddressLength, queueBound, maxSubscriptions, ratePerSecond, rateBurst, maxConnectionsPerUser, idleTimeout,
        requestTimeout, DEFAULT_MAX_CONNECTIONS);
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

  /**
   * The config file's {@code bridge} section over {@code base}: keys left out keep their value in
   * {@code base}; every given one must be a positive whole number.
   *
   * @throws dev.opsbus.model.config.ConfigException naming the unknown or bad key
   */
  public static BridgeLimits fromJson(JsonNode section, BridgeLimits base) {
    ConfigSection s = ConfigSection.of(SECTION, section, KEYS);
    return new BridgeLimits(
        s.positiveInt("maxFrameBytes", base.maxFrameBytes()),
        s.positiveInt("maxAddressLength", base.maxAddressLength()),
        s.positiveInt("queueBound", base.queueBound()),
        s.positiveInt("maxSubscriptions", base.maxSubscriptions()),
        s.positiveInt("ratePerSecond", base.ratePerSecond()),
        s.positiveInt("rateBurst", base.rateBurst()),
        s.positiveInt("maxConnectionsPerUser", base.maxConnectionsPerUser()),
        s.duration("idleTimeoutMs", Duration::ofMillis, base.idleTimeout()),
        s.duration("requestTimeoutMs", Duration::ofMillis, base.requestTimeout()),
        s.positiveInt("maxConnections", base.maxConnections()));
  }

  public BridgeLimits withQueueBound(int bound) {
    return new BridgeLimits(maxFrameBytes, maxAddressLength, bound, maxSubscriptions, ratePerSecond, rateBurst,
        maxConnectionsPerUser, idleTimeout, requestTimeout, maxConnections);
  }

  public BridgeLimits withRate(int perSecond, int burst) {
    return new BridgeLimits(maxFrameBytes, maxAddressLength, queueBound, maxSubscriptions, perSecond, burst,
        maxConnectionsPerUser, idleTimeout, requestTimeout, maxConnections);
  }

  public BridgeLimits withMaxConnections(int max) {
    return new BridgeLimits(maxFrameBytes, maxAddressLength, queueBound, maxSubscriptions, ratePerSecond, rateBurst,
        maxConnectionsPerUser, idleTimeout, requestTimeout, max);
  }
}
