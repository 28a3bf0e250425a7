package dev.opsbus.gateway.servicekeys;

import dev.opsbus.model.Json;
import io.vertx.core.json.JsonObject;

/**
 * Published on {@link ServiceKeys#REVOKED_ADDRESS} when an admin revokes a key: every gateway
 * closes the key's open connections at once. No permission rule names the address, so no bridge
 * client can send or watch it.
 */
public record ServiceKeyRevoked(String name) {

  public JsonObject toJson() {
    return Json.toJsonObject(this);
  }

  public static ServiceKeyRevoked fromJson(JsonObject json) {
    return Json.fromJsonObject(json, ServiceKeyRevoked.class);
  }
}
