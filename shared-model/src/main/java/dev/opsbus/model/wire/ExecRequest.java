package dev.opsbus.model.wire;

import dev.opsbus.model.Json;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * The body of an {@code ssh.exec} request: run {@code command} on a host, with {@code {name}}
 * placeholders replaced by the single-quoted {@code params}, streaming on
 * {@code ssh.exec.{execId}.stream}.
 */
public record ExecRequest(String hostId, String execId, String command, Map<String, String> params, long timeoutMs) {

  public ExecRequest {
    params = params == null ? Map.of() : Map.copyOf(params);
  }

  public JsonObject toJson() {
    return Json.toJsonObject(this);
  }

  public static ExecRequest fromJson(JsonObject json) {
    return Json.fromJsonObject(json, ExecRequest.class);
  }
}
