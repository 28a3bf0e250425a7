package dev.opsbus.model.wire;

import dev.opsbus.model.Json;
import io.vertx.core.json.JsonObject;

/** The relay's answer to {@code ssh.join} (the caller's role) and {@code ssh.invite} (the invited user's role). */
public record SessionGrant(String sessionId, String username, String role) {

  public JsonObject toJson() {
    return Json.toJsonObject(this);
  }

  public static SessionGrant fromJson(JsonObject json) {
    return Json.fromJsonObject(json, SessionGrant.class);
  }
}
