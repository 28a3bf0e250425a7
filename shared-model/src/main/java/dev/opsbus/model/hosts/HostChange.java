package dev.opsbus.model.hosts;

import dev.opsbus.model.Json;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/** {@code hosts.changed}: an admin added, changed, re-pinned or removed a host. */
public record HostChange(String type, Instant ts, String hostId, String change) {

  public static final String TYPE = "hosts_changed";

  public static HostChange of(String hostId, String change) {
    return new HostChange(TYPE, Instant.now(), hostId, change);
  }

  /** The host a {@code hosts.changed} body names, or null when it names none or cannot be read. */
  public static String hostIdOf(JsonObject body) {
    try {
      return body == null ? null : Json.fromJsonObject(body, HostChange.class).hostId();
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
