package dev.opsbus.model.wire;

import dev.opsbus.model.Json;
import io.vertx.core.json.JsonObject;

/**
 * A request on {@code notifications.send}: store a message for {@code username} (the last 100 per
 * user are kept) and publish it on {@code user.{username}.notifications}. Answered with
 * {@code {"seq": n}}. {@code level} is {@code info}, {@code warning} or {@code error}.
 */
public record SendNotification(String username, String title, String text, String level) {

  public JsonObject toJson() {
    return Json.toJsonObject(this);
  }

  public static SendNotification fromJson(JsonObject json) {
    return Json.fromJsonObject(json, SendNotification.class);
  }
}
