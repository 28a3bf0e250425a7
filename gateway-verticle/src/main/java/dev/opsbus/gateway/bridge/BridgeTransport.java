package dev.opsbus.gateway.bridge;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;

/**
 * One client connection's wire, whatever carries it (a SockJS session or a raw WebSocket). The
 * bridge layer speaks frames through this and nothing else, so every transport gets the same
 * protocol, permission checks and limits.
 */
public interface BridgeTransport {

  /** The kind of the TCP event-bus bridge's connections ({@code bridge/tcp}). */
  String TCP_KIND = "tcp";

  /** {@code sockjs} or {@code websocket}: for metrics and logs. */
  String kind();

  /** Writes one text frame (a whole bridge frame, JSON). */
  void write(String frame);

  /** Writes a delivery's frame; a transport may use the bytes encoded once for everyone. */
  default void write(Delivery delivery) {
    write(delivery.frame());
  }

  boolean writeQueueFull();

  void drainHandler(Handler<Void> handler);

  /** Inbound frames, one buffer per message. */
  void dataHandler(Handler<Buffer> handler);

  /** Signs of life that carry no frame: WebSocket pings and pongs. */
  default void activityHandler(Handler<Void> handler) {
  }

  /**
   * A {@code ping} frame was handled, after every frame before it. WebSocket and SockJS clients
   * expect no answer; the TCP bridge answers {@code pong}.
   */
  default void pinged() {
  }

  /** Called once when the connection is gone, whoever closed it. */
  void closeHandler(Handler<Void> handler);

  /** Closes after what was written so far; {@code reason} is a snake_case error code. */
  void close(int statusCode, String reason);

  String remoteAddress();
}
