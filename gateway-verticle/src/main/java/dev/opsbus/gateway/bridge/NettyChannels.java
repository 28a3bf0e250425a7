package dev.opsbus.gateway.bridge;

import io.netty.channel.Channel;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.impl.HttpServerConnection;

/**
 * The one place the gateway reaches into a Vert.x internal class: the Netty channel under an HTTP
 * request, which the raw WebSocket's encode-once delivery writes to directly (see
 * {@link WebSocketTransport}), and the connection guard's clock. Vert.x has no public way to it; if a Vert.x version changes the
 * class, the bridge falls back to writing through Vert.x rather than failing.
 */
public final class NettyChannels {

  private NettyChannels() {
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
