package dev.opsbus.model.wire;

import dev.opsbus.model.Json;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * A message to one user, as it is published on {@code user.{username}.notifications} and replayed
 * to a subscriber that was away. {@code seq} grows with every notification (of any user), so a
 * subscriber resumes with {@code sinceSeq}.
 */
public record UserNotification(String type, long seq, String username, String title, String text, String level, String sentBy, Instant at) {

  public static final String TYPE = "notification";

  public JsonObject toJson() {
    return Json.toJsonObject(this);
  }
}
