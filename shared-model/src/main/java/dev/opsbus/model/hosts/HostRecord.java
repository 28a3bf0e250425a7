package dev.opsbus.model.hosts;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/**
 * A host as anyone but the SSH relay's connector sees it: how to reach it, its pinned host key and
 * the logs to tail, never its secret. The answer of {@code hosts.get} and {@code hosts.list}, and
 * of {@code /api/hosts}.
 *
 * @param authType {@link #PASSWORD} or {@link #KEY}
 */
public record HostRecord(String id, String name, String address, int port, String username, String authType, HostKey hostKey,
    List<LogSpec> logs, Instant createdAt, Instant updatedAt) {

  public static final String PASSWORD = "password";
  public static final String KEY = "key";

  public HostRecord {
    hostKey = hostKey == null ? new HostKey(null) : hostKey;
    logs = logs == null ? List.of() : List.copyOf(logs);
  }

  /** The pinned host key, {@code SHA256:<base64>}; null while none is pinned (the relay refuses to connect). */
  public record HostKey(@JsonInclude(JsonInclude.Include.ALWAYS) String pinned) {
  }

  /** One log file to tail, published as {@code logs.host.<hostId>.<stream>}. */
  public record LogSpec(String stream, String path) {
  }

  /** The pinned fingerprint, or null. */
  public String pinned() {
    return hostKey.pinned();
  }
}
