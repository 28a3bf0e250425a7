package dev.opsbus.model.wire;

import io.vertx.core.json.JsonObject;

/**
 * Header names of the terminal addresses: {@code off} on {@code ssh.session.{sid}.out} carries the
 * byte offset of the chunk in the session's output; {@code op} on
 * {@code ssh.session.{sid}.control} names the operation a forwarded request stands for
 * ({@code ssh.join}, {@code ssh.flow}, ...).
 */
public final class TerminalControl {

  public static final String OFFSET_HEADER = "off";
  public static final String OP_HEADER = "op";

  private TerminalControl() {
  }

  /** The answer to keystrokes, a detach or a flow message: {@code {"ok": true}}, nothing else to say. */
  public static JsonObject ok() {
    return new JsonObject().put("ok", true);
  }
}
