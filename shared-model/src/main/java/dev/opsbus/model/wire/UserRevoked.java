package dev.opsbus.model.wire;

import dev.opsbus.model.Json;
import io.vertx.core.json.JsonObject;

/**
 * The body of {@code users.revoked}: every token of {@code username} with a version below
 * {@code tokenVersion} is no longer accepted, or, with {@code deleted}, every token of that user.
 * A gateway only ever moves its view of a user's version up, so a late or repeated message cannot
 * bring a revoked token back.
 */
public record UserRevoked(String username, long tokenVersion, boolean deleted) {

  public static UserRevoked bumped(String username, long tokenVersion) {
    return new UserRevoked(username, tokenVersion, false);
  }

  public static UserRevoked gone(String username) {
    return new UserRevoked(username, Long.MAX_VALUE, true);
  }

  public JsonObject toJson() {
    return Json.toJsonObject(this);
  }

  public static UserRevoked fromJson(JsonObject json) {
    return Json.fromJsonObject(json, UserRevoked.class);
  }
}
