package dev.opsbus.model.wire;

import dev.opsbus.model.Json;
import io.vertx.core.json.JsonObject;

/**
 * The body of {@code ssh.hostkey.scan} and its answer. Ask with a {@code hostId} (the relay reads
 * its address) or an {@code address} and {@code port} (22 when absent); the answer is where the
 * relay looked, with the {@code fingerprint} ({@code SHA256:...}) the host offered.
 */
public record HostKeyOffer(String hostId, String address, Integer port, String fingerprint) {

  public static final int DEFAULT_PORT = 22;

  public static HostKeyOffer ofHost(String hostId) {
    return new HostKeyOffer(hostId, null, null, null);
  }

  public static HostKeyOffer at(String address, int port) {
    return new HostKeyOffer(null, address, port, null);
  }

  public HostKeyOffer withFingerprint(String offered) {
    return new HostKeyOffer(hostId, address, port, offered);
  }

  public JsonObject toJson() {
    return Json.toJsonObject(this);
  }

  public static HostKeyOffer fromJson(JsonObject json) {
    return Json.fromJsonObject(json, HostKeyOffer.class);
  }
}
