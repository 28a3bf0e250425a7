package dev.opsbus.model.wire;

import dev.opsbus.model.Json;
import io.vertx.core.json.JsonObject;

/** The body of {@code ssh.exec.cancel} (and of the per-command cancel address): which command to stop. */
public record ExecCancel(String execId) {

  public JsonObject toJson() {
    return Json.toJsonObject(this);
  }

  public static ExecCancel fromJson(JsonObject json) {
    return Json.fromJsonObject(json, ExecCancel.class);
  }
}
