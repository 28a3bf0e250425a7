package dev.opsbus.gateway.bridge;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.vertx.core.buffer.Buffer;
import dev.opsbus.gateway.bridge.sockjs.SockJsSession;
import io.vertx.core.eventbus.Message;

/**
 * One bus message on its way to every local subscriber of its address. Each wire form is made at
 * most once, on first use, and shared by every subscriber that wants it.
 */
public final class Delivery {

  private final String address;
  private final Message<Object> message;
  private String frame;
  private String sockJs;
  private byte[] utf8;
  private java.time.Instant now;
  private ByteBuf wire;
  /** When the message reached the gateway's consumer: the start of the delivery latency. */
  private final long arrivedNanos = System.nanoTime();

  Delivery(String address, Message<Object> message) {
    this.address = address;
    this.message = message;
  }

  /** {@link System#nanoTime()} when the bus message reached this node's consumer. */
  public long arrivedNanos() {
    return arrivedNanos;
  }

  /**
   * The bridge's {@code rec} frame, JSON text, with the message's headers and, for a request (a
   * point-to-point message that expects an answer), its {@code replyAddress}.
   */
  public String frame() {
    if (frame == null) {
      frame = BridgeFrames.rec(address, message.body(), message.headers(), message.isSend() ? message.replyAddress() : null);
    }
    return frame;
  }

  /**
   * The {@code rec} frame as a SockJS message (a JSON string, escaped), made once and packed as it is
   * into every SockJS session's {@code a[...]} frame.
   */
  public String sockJsQuoted() {
    if (sockJs == null) {
      sockJs = SockJsSession.quoted(frame());
    }
    return sockJs;
  }

  /** The {@code rec} frame as UTF-8 bytes, encoded once and shared (never modified) by every socket. */
  public byte[] frameBytes() {
    if (utf8 == null) {
      utf8 = frame().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
    return utf8;
  }

  /**
   * The {@code rec} frame as a whole WebSocket text frame (header and payload, unmasked as a server
   * sends it, no extensions) in one direct buffer, made once: every raw WebSocket writes a
   * retained duplicate of it, so no socket encodes, copies or allocates per message. Released by
   * {@link #release()} once every subscriber has been handed the message.
   */
  public ByteBuf wireFrame() {
    if (wire == null) {
      byte[] payload = frameBytes();
      int len = payload.length;
      int header = len < 126 ? 2 : len <= 0xFFFF ? 4 : 10;
      ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(header + len);
      b.writeByte(0x81); // FIN, text
      if (len < 126) {
        b.writeByte(len);
      } else if (len <= 0xFFFF) {
        b.writeByte(126).writeShort(len);
      } else {
        b.writeByte(127).writeLong(len);
      }
      b.writeBytes(payload);
      wire = b;
    }
    return wire;
  }

  /** Gives back the shared wire frame (the sockets hold their own references until written). */
  void release() {
    if (wire != null) {
      wire.release();
      wire = null;
    }
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
