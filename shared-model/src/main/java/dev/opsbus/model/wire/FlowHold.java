package dev.opsbus.model.wire;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.opsbus.model.Json;
import io.vertx.core.json.JsonObject;

/**
 * The body of an {@code ssh.flow} control message: a reader of a terminal ({@code holder}, unique
 * per socket) asks the relay to stop reading the shell ({@code hold}) or lets go.
 */
public record FlowHold(String holder, Boolean hold) {

  /** Longest holder name the relay keeps. */
  public static final int MAX_HOLDER_LENGTH = 100;

  /**
   * Reads strictly: a holder that is not a JSON string, or a hold that is not a JSON boolean, reads
   * as null (so {@link #isValid()} is false) instead of being coerced from a number or a word.
   */
  @JsonCreator
  static FlowHold read(@JsonProperty("holder") Object holder, @JsonProperty("hold") Object hold) {
    return new FlowHold(holder instanceof String s ? s : null, hold instanceof Boolean b ? b : null);
  }

  /** A holder of 1 to {@value #MAX_HOLDER_LENGTH} characters and a hold of true or false. */
  @JsonIgnore
  public boolean isValid() {
    return holder != null && !holder.isBlank() && holder.length() <= MAX_HOLDER_LENGTH && hold != null;
  }

  public JsonObject toJson() {
    return Json.toJsonObject(this);
  }

  public static FlowHold fromJson(JsonObject json) {
    return Json.fromJsonObject(json, FlowHold.class);
  }
}
