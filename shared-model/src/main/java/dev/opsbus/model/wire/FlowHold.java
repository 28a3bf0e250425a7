package dev.opsbus.model.wire;

import dev.opsbus.model.Json;
import io.vertx.core.json.JsonObject;

/**
 * The body of an {@code ssh.flow} control message: a reader of a terminal ({@code holder}, unique
 * per socket) asks the relay to stop reading the shell ({@code hold}) or lets go.
 */
public record FlowHold(String holder, Boolean hold) {

  public JsonObject toJson() {
    return Json.toJsonObject(this);
  }

  public static FlowHold fromJson(JsonObject json) {
    return Json.fromJsonObject(json, FlowHold.class);
  }
}
