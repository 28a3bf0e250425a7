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
  private byte[] utf8;
  private java.time.Instant now;

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

  /** The {@code rec} frame as UTF-8 bytes, encoded once and shared (never modified) by every socket. */
  public byte[] frameBytes() {
    if (utf8 == null) {
      utf8 = frame().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
    return utf8;
  }

  /** The wall clock, read once for all subscribers of this message. */
  public java.time.Instant now() {
    if (now == null) {
      now = java.time.Instant.now();
    }
    return now;
  }

  /** The body when it is bytes (terminal output), else null. */
  public Buffer bytes() {
    return message.body() instanceof Buffer b ? b : null;
  }

  public Message<Object> message() {
    return message;
  }
}
