package dev.opsbus.bench;

import io.vertx.core.buffer.Buffer;

/**
 * One wire protocol the load generator speaks. The generator's code path is the same for all:
 * connect to {@link #path()}, send {@link #onOpen()}, feed every received frame to
 * {@link #onFrame}, send {@link #heartbeat()} every {@link #heartbeatMillis()}.
 */
public interface WireProtocol {

  /** What a received frame turned out to be. */
  enum Kind {
    /** a bench message: {@link Frame#seq()} and {@link Frame#t()} are set */
    DELIVERY,
    /** an error the server reported ({@code err} frame, Socket.IO connect error) */
    ERROR,
    /** the protocol needs an answer: {@link Frame#reply()} */
    REPLY,
    /** the connection is now subscribed and ready for deliveries */
    READY,
    /** anything else (pongs, other events) */
    OTHER,
    /** could not be parsed */
    INVALID
  }

  /** A parsed frame. */
  record Frame(Kind kind, long seq, long t, String reply, String detail) {
    static Frame delivery(long seq, long t) {
      return new Frame(Kind.DELIVERY, seq, t, null, null);
    }

    static Frame error(String detail) {
      return new Frame(Kind.ERROR, 0, 0, null, detail);
    }

    static Frame reply(String text) {
      return new Frame(Kind.REPLY, 0, 0, text, null);
    }

    static Frame invalid(String detail) {
      return new Frame(Kind.INVALID, 0, 0, null, detail);
    }

    static final Frame READY = new Frame(Kind.READY, 0, 0, null, null);
    static final Frame OTHER = new Frame(Kind.OTHER, 0, 0, null, null);
  }

  String name();

  /** Path and query of the WebSocket endpoint. */
  String path();

  /** Text frames to send once the socket is open, in order (may be empty). */
  java.util.List<String> onOpen();

  /** True when the connection is subscribed as soon as {@link #onOpen()} frames are sent. */
  boolean readyOnOpen();

  Frame onFrame(Buffer data);

  /** Every frame a received message carries: one, unless the protocol packs several into a message. */
  default void onFrames(Buffer data, java.util.function.Consumer<Frame> sink) {
    sink.accept(onFrame(data));
  }

  /**
   * True when a message that carries a stamp is exactly one delivery and nothing else, so that the
   * Netty client may take the stamp by {@link StampScan} and skip this parser. False for protocols
   * that pack several bridge frames into one message (SockJS).
   */
  default boolean stampsOneDeliveryPerFrame() {
    return true;
  }

  /**
   * For protocols that pack several bridge frames into one message: how each packed stamp is
   * spelled inside the message (for SockJS, escaped in a JSON string), so that the Netty client can
   * count every delivery of a packed message in place; {@code null} when the protocol does not pack.
   */
  default byte[] packedStampKey() {
    return null;
  }

  /**
   * With {@link #packedStampKey}: a byte string whose presence in a packed message sends it to this
   * parser instead (an error frame packed with deliveries must still be counted as an error).
   */
  default byte[] packedErrorKey() {
    return null;
  }

  /** Interval of client heartbeats, or 0 for none. */
  long heartbeatMillis();

  String heartbeat();

  static WireProtocol named(String name, String address, String token) {
    return switch (name) {
      case "raw" -> new RawProtocol();
      case "socketio" -> new SocketIoProtocol();
      case "opsbus" -> new OpsbusProtocol(address, token);
      case "sockjs" -> new SockJsProtocol(address, token);
      default -> throw new IllegalArgumentException("unknown protocol '" + name + "' (raw, socketio, opsbus, sockjs)");
    };
  }
}
