package dev.opsbus.model.event;

import java.time.Instant;

/** {@code status.server}: healthy, degraded or down, with a sentence a person can act on. */
public record ServerStatus(String type, Instant ts, long seq, String status, String message, int nodeCount) {

  public static final String TYPE = "server_status";
  public static final String HEALTHY = "healthy";
  public static final String DEGRADED = "degraded";
  public static final String DOWN = "down";
}
