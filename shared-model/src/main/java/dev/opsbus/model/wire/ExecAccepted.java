package dev.opsbus.model.wire;

import dev.opsbus.model.Json;
import io.vertx.core.json.JsonObject;

/** The reply to {@code ssh.exec} once the command runs, and to {@code ssh.exec.cancel} once the kill is under way. */
public record ExecAccepted(String execId, String status) {

  public static final String STARTED = "started";
  public static final String CANCELLING = "cancelling";

  public JsonObject toJson() {
    return Json.toJsonObject(this);
  }

  public static ExecAccepted fromJson(JsonObject json) {
    return Json.fromJsonObject(json, ExecAccepted.class);
  }
}
