package dev.opsbus.gateway.bridge;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.impl.HttpServerConnection;
import io.vertx.core.net.impl.VertxConnection;
import io.vertx.core.net.impl.VertxHandler;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place the gateway reaches into a Vert.x internal class: the Netty channel under an HTTP
 * request, which the raw WebSocket's encode-once delivery writes to directly (see
 * {@link WebSocketTransport}), and the connection guard's clock. Vert.x has no public way to it; if a Vert.x version changes the
 * class, the bridge falls back to writing through Vert.x rather than failing.
 */
public final class NettyChannels {

  private static final Logger LOG = LoggerFactory.getLogger(NettyChannels.class);
  /** {@code VertxConnection.outboundMessageQueue} and the constructor of the queue strict thread mode uses; null if absent. */
  private static final Field QUEUE;
  private static final Constructor<?> DIRECT_QUEUE;

  static {
    Field queue = null;
    Constructor<?> direct = null;
    try {
      queue = VertxConnection.class.getDeclaredField("outboundMessageQueue");
      queue.setAccessible(true);
      direct = Class.forName(VertxConnection.class.getName() + "$DirectOutboundMessageQueue").getDeclaredConstructor(VertxConnection.class);
      direct.setAccessible(true);
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.info("this Vert.x has no direct write queue to give WebSockets ({}): each keeps its cross-thread queue", e.toString());
      queue = null;
      direct = null;
    }
    QUEUE = queue;
    DIRECT_QUEUE = direct;
  }

  private NettyChannels() {
  }

  /**
   * Gives the WebSocket connection on {@code channel} (just upgraded, nothing written on it yet) the
   * write queue of Vert.x's strict thread mode: writes go straight to the channel. Vert.x 5.0.10 gives
   * every {@code WebSocketConnectionImpl} a cross-thread queue whatever the server's thread mode, whose
   * first chunk alone is a 4 KB array kept for the socket's life; the gateway writes to its sockets on
   * their event loop only (the server runs in strict thread mode), so the queue is never used. Call on
   * the channel's event loop. False, and nothing changed, when the connection is not such a one.
   */
  public static boolean directWrites(Channel channel) {
    if (QUEUE == null || channel == null || !channel.eventLoop().inEventLoop()) {
      return false;
    }
    for (java.util.Map.Entry<String, ChannelHandler> e : channel.pipeline()) {
      VertxConnection conn = e.getValue() instanceof VertxHandler<?> h ? h.getConnection() : null;
      if (conn != null && conn.getClass().getSimpleName().startsWith("WebSocketConnection")) {
        try {
          QUEUE.set(conn, DIRECT_QUEUE.newInstance(conn));
          return true;
        } catch (ReflectiveOperationException | RuntimeException err) {
          LOG.debug("WebSocket kept its write queue: {}", err.toString());
          return false;
        }
      }
    }
    return false;
  }

  /** The channel of the request's connection, or null when it is not a plain HTTP/1 server connection. */
  public static Channel of(HttpServerRequest request) {
    return of(request.connection());
  }

  /** The channel of an HTTP server connection (the connection guard puts its clock there), or null when not HTTP/1. */
  public static Channel of(HttpConnection connection) {
    return connection instanceof HttpServerConnection c ? c.channelHandlerContext().channel() : null;
  }
}
