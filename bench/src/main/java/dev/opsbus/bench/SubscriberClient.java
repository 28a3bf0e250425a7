package dev.opsbus.bench;

import io.vertx.core.Future;

/**
 * The subscriber side of the load generator: opens client WebSockets and hands what arrives to
 * {@link Events}. Two implementations: {@link NettySubscriberClient} (the default: Netty on epoll,
 * the stamp read in place) and {@link VertxSubscriberClient} (Vert.x's WebSocket client and the
 * protocols' JSON parsers, the generator before issue 17).
 */
interface SubscriberClient {

  /** What the generator learns from one connection. Called on the client's I/O thread. */
  interface Events {
    /** A bench message stamped {@code t} (server monotonic nanos) arrived at {@code now}. */
    void delivery(long t, long now);

    /** Any other frame, already parsed by the protocol (never a delivery). */
    void frame(ClientSocket socket, WireProtocol.Frame frame);

    /** The connection failed (after it was opened). */
    void error(String message);

    /** The connection is closed, whoever closed it. */
    void closed();
  }

  /** One open client WebSocket. */
  interface ClientSocket {
    /** Sends one text frame; safe from any thread. */
    void writeText(String text);

    Future<Void> close();
  }

  /** Which implementation: {@code netty} or {@code vertx}. */
  enum Kind {
    NETTY, VERTX;

    static Kind parse(String name) {
      return switch (name) {
        case "netty" -> NETTY;
        case "vertx" -> VERTX;
        default -> throw new IllegalArgumentException("--client must be netty or vertx, not '" + name + "'");
      };
    }
  }

  /** Opens a WebSocket to {@code host:port} at {@code path} (the protocol's), upgraded, or fails. */
  Future<ClientSocket> connect(String host, int port, String path, Events events);

  /** The lag of the client's own I/O loops, or null when this client does not measure it. */
  default LoopLagProbe loopLag() {
    return null;
  }

  /** A short description for the log (implementation, transport, threads). */
  String describe();

  Future<Void> close();
}
