package dev.opsbus.gateway.bridge;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;

/** A SockJS session (any of its transports: WebSocket, streaming, polling) as a bridge transport. */
final class SockJsTransport implements BridgeTransport {

  static final String KIND = "sockjs";

  private final SockJSSocket socket;

  SockJsTransport(SockJSSocket socket) {
    this.socket = socket;
  }

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public void write(String frame) {
    socket.write(frame);
  }

  @Override
  public boolean writeQueueFull() {
    return socket.writeQueueFull();
  }

  @Override
  public void drainHandler(Handler<Void> handler) {
    socket.drainHandler(handler);
  }

  @Override
  public void dataHandler(Handler<Buffer> handler) {
    socket.handler(handler);
  }

  @Override
  public void closeHandler(Handler<Void> handler) {
    socket.closeHandler(handler);
  }

  @Override
  public void close(int statusCode, String reason) {
    socket.close(statusCode, reason);
  }

  @Override
  public String remoteAddress() {
    return String.valueOf(socket.remoteAddress());
  }
}
