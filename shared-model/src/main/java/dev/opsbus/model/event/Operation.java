package dev.opsbus.model.event;

import java.time.Instant;
import java.util.Map;

/**
 * One operation as clients see it, published on {@code ops.updates.host.<hostId>} and
 * {@code ops.updates.all} after every change. {@code version} counts this operation's changes;
 * {@code seq} orders every change of every operation, so a client that resubscribes asks for
 * what came after the last {@code seq} it saw and drops what it already has by {@code version}.
 */
public record Operation(
    String type,
    String id,
    String hostId,
    String operationType,
    String status,
    int progress,
    String message,
    String error,
    String createdBy,
    String requestedBy,
    String nodeId,
    long version,
    Long seq,
    Map<String, Object> params,
    Map<String, Object> metadata,
    Instant createdAt,
    Instant startedAt,
    Instant updatedAt,
    Instant completedAt) {

  public static final String TYPE = "operation";

  public static final String PENDING = "pending";
  public static final String IN_PROGRESS = "in_progress";
  public static final String COMPLETED = "completed";
  public static final String FAILED = "failed";
  public static final String CANCELLED = "cancelled";

  public boolean isActive() {
    return PENDING.equals(status) || IN_PROGRESS.equals(status);
  }

  public Operation withSeq(long s) {
    return new Operation(type, id, hostId, operationType, status, progress, message, error, createdBy, requestedBy, nodeId,
        version, s, params, metadata, createdAt, startedAt, updatedAt, completedAt);
  }
}
