package dev.opsbus.gateway.bridge;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.vertx.core.buffer.Buffer;
import dev.opsbus.gateway.bridge.sockjs.SockJsSession;
import io.vertx.core.eventbus.Message;

/**
 * One bus message on its way to every local subscriber of its address. Each wire form is made at
 * most once, on first use, and shared by every subscriber that wants it, on whichever event loop
 * (lane) it is delivered: the forms are made under the delivery's lock and read through volatile
 * fields, and the shared wire frame is given back when the last lane holding the delivery is done.
 */
public final class Delivery {

  private final String address;
  private final Message<Object> message;
  private volatile String frame;
  private volatile String sockJs;
  private volatile byte[] utf8;
  private volatile java.time.Instant now;
  private volatile ByteBuf wire;
  /** The index's own hold plus one per lane the delivery was handed to; the wire frame goes at zero. */
  private final java.util.concurrent.atomic.AtomicInteger holds = new java.util.concurrent.atomic.AtomicInteger(1);
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
    String f = frame;
    if (f == null) {
      synchronized (this) {
        f = frame;
        if (f == null) {
          f = BridgeFrames.rec(address, message.body(), message.headers(), message.isSend() ? message.replyAddress() : null);
          frame = f;
        }
      }
    }
    return f;
  }

  /**
   * The {@code rec} frame as a SockJS message (a JSON string, escaped), made once and packed as it is
   * into every SockJS session's {@code a[...]} frame.
   */
  public String sockJsQuoted() {
    String q = sockJs;
    if (q == null) {
      synchronized (this) {
        q = sockJs;
        if (q == null) {
          q = SockJsSession.quoted(frame());
          sockJs = q;
        }
      }
    }
    return q;
  }

  /** The {@code rec} frame as UTF-8 bytes, encoded once and shared (never modified) by every socket. */
  public byte[] frameBytes() {
    byte[] b = utf8;
    if (b == null) {
      synchronized (this) {
        b = utf8;
        if (b == null) {
          b = frame().getBytes(java.nio.charset.StandardCharsets.UTF_8);
          utf8 = b;
        }
      }
    }
    return b;
  }

  /**
   * The {@code rec} frame as a whole WebSocket text frame (header and payload, unmasked as a server
   * sends it, no extensions) in one direct buffer, made once: every raw WebSocket writes a
   * retained duplicate of it, so no socket encodes, copies or allocates per message. Released by
   * {@link #release()} once every subscriber has been handed the message.
   */
  public ByteBuf wireFrame() {
    ByteBuf w = wire;
    if (w != null) {
      return w;
    }
    synchronized (this) {
      if (wire == null) {
        wire = encodeWire(frameBytes());
      }
      return wire;
    }
  }

  private static ByteBuf encodeWire(byte[] payload) {
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
    return b;
  }

  /** One more lane will deliver this message (and {@link #release()} it when done). */
  void hold() {
    holds.incrementAndGet();
  }

  /**
   * The index or one lane is done with the message; after the last, the shared wire frame is given
   * back (the sockets hold their own references until written).
   */
  void release() {
    if (holds.decrementAndGet() == 0) {
      synchronized (this) {
        if (wire != null) {
          wire.release();
          wire = null;
        }
      }
    }
  }

  /** The wall clock, read once for all subscribers of this message. */
  public java.time.Instant now() {
    java.time.Instant t = now;
    if (t == null) {
      // racing lanes may each read the clock once: both values are the time of this delivery
      t = java.time.Instant.now();
      now = t;
    }
    return t;
  }

  /** The body when it is bytes (terminal output), else null. */
  public Buffer bytes() {
    return message.body() instanceof Buffer b ? b : null;
  }

  public Message<Object> message() {
    return message;
  }
}
