package dev.opsbus.model.wire;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.opsbus.model.Json;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * The body of an {@code ssh.exec} request: run {@code command} on a host, with {@code {name}}
 * placeholders replaced by the single-quoted {@code params}, streaming on
 * {@code ssh.exec.{execId}.stream}.
 *
 * @param params values for the placeholders; numbers and booleans in the JSON arrive as their text
 * @param timeoutMs how long the command may run; null (absent) means the relay's default
 * @param env environment variables exported (single-quoted) before the command runs
 */
public record ExecRequest(String hostId, String execId, String command, Map<String, String> params, Long timeoutMs,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> env) {

  public ExecRequest {
    params = params == null ? Map.of() : Map.copyOf(params);
    env = env == null ? Map.of() : Map.copyOf(env);
  }

  /** A request without environment variables. */
  public ExecRequest(String hostId, String execId, String command, Map<String, String> params, long timeoutMs) {
    this(hostId, execId, command, params, Long.valueOf(timeoutMs), null);
  }

  public JsonObject toJson() {
    return Json.toJsonObject(this);
  }

  public static ExecRequest fromJson(JsonObject json) {
    return Json.fromJsonObject(json, ExecRequest.class);
  }
}
