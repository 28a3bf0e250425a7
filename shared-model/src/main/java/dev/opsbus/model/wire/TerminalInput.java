package dev.opsbus.model.wire;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.Json;
import dev.opsbus.model.OpsbusException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Keystrokes sent to {@code ssh.session.{sid}.in}. The gateway's terminal socket sends raw bytes (a
 * {@link Buffer}); what vertx-eventbus.js can send over the bridge is a text string (sent as its
 * UTF-8 bytes) or this record as a JSON object: {@code {"text": "ls\n"}}, or {@code {"base64":
 * "..."}} for bytes that are not text (Ctrl-C is {@code "Aw=="}). Exactly one of the two is set.
 */
public record TerminalInput(String text, String base64) {

  @JsonCreator
  static TerminalInput read(@JsonProperty("text") Object text, @JsonProperty("base64") Object base64) {
    return new TerminalInput(text instanceof String s ? s : null, base64 instanceof String s ? s : null);
  }

  public static TerminalInput text(String text) {
    return new TerminalInput(text, null);
  }

  public static TerminalInput bytes(byte[] bytes) {
    return new TerminalInput(null, Base64.getEncoder().encodeToString(bytes));
  }

  public JsonObject toJson() {
    return Json.toJsonObject(this);
  }

  /**
   * The bytes a body of {@code ssh.session.{sid}.in} stands for.
   *
   * @throws OpsbusException {@code invalid_request}, with what is accepted, for any other body
   */
  public static byte[] bytesOf(Object body) {
    if (body == null) {
      return new byte[0];
    }
    if (body instanceof Buffer b) {
      return b.getBytes();
    }
    if (body instanceof byte[] b) {
      return b;
    }
    if (body instanceof String s) {
      return s.getBytes(StandardCharsets.UTF_8);
    }
    if (body instanceof JsonObject o) {
      TerminalInput in;
      try {
        in = Json.fromJsonObject(o, TerminalInput.class);
      } catch (IllegalArgumentException e) {
        throw refused();
      }
      if ((in.text() == null) == (in.base64() == null)) {
        throw refused();
      }
      if (in.text() != null) {
        return in.text().getBytes(StandardCharsets.UTF_8);
      }
      try {
        return Base64.getDecoder().decode(in.base64());
      } catch (IllegalArgumentException e) {
        throw new OpsbusException(ErrorCode.INVALID_REQUEST, "terminal input \"base64\" is not valid base64");
      }
    }
    throw refused();
  }

  private static OpsbusException refused() {
    return new OpsbusException(ErrorCode.INVALID_REQUEST,
        "terminal input is a text string, or an object with one of \"text\" (a string) or \"base64\" (bytes, base64)");
  }
}
