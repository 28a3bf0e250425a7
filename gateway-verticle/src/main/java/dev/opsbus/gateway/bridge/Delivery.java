package dev.opsbus.gateway.bridge;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;

/**
 * One bus message on its way to every local subscriber of its address. Each wire form is made at
 * most once, on first use, and shared by every subscriber that wants it.
 */
public final class Delivery {

  private final String address;
  private final Message<Object> message;
  private String frame;

  Delivery(String address, Message<Object> message) {
    this.address = address;
    this.message = message;
  }

  /** The bridge's {@code rec} frame, JSON text. */
  public String frame() {
    if (frame == null) {
      frame = BridgeFrames.rec(address, message.body(), message.headers(), null);
    }
    return frame;
  }

  /** The body when it is bytes (terminal output), else null. */
  public Buffer bytes() {
    return message.body() instanceof Buffer b ? b : null;
  }

  public Message<Object> message() {
    return message;
  }
}
