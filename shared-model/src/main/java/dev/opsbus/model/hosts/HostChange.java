package dev.opsbus.model.hosts;

import java.time.Instant;

/** {@code hosts.changed}: an admin added, changed, re-pinned or removed a host. */
public record HostChange(String type, Instant ts, String hostId, String change) {

  public static final String TYPE = "hosts_changed";

  public static HostChange of(String hostId, String change) {
    return new HostChange(TYPE, Instant.now(), hostId, change);
  }
}
