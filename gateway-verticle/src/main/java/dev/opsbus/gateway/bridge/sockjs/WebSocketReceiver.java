package dev.opsbus.gateway.bridge.sockjs;

import io.vertx.core.Handler;
import io.vertx.core.http.ServerWebSocket;

/** SockJS's websocket transport: one text message per frame, for the session's whole life. */
final class WebSocketReceiver implements Receiver {

  private final ServerWebSocket ws;

  WebSocketReceiver(ServerWebSocket ws) {
    this.ws = ws;
  }

  @Override
  public void send(String frame) {
    ws.writeTextMessage(frame);
  }

  @Override
  public boolean done() {
    return false;
  }

  @Override
  public boolean writeQueueFull() {
    return ws.writeQueueFull();
  }

  @Override
  public void drainHandler(Handler<Void> handler) {
    ws.drainHandler(handler);
  }

  @Override
  public void end(int code, String reason) {
    if (!ws.isClosed()) {
      // the same code and reason as the c frame before it, for readers of the WebSocket itself
      ws.close((short) (closeCodeAllowed(code) ? code : 1000), reason);
    }
  }

  /** Codes an endpoint may put in a WebSocket close frame (RFC 6455, 7.4). */
  static boolean closeCodeAllowed(int code) {
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
  }
}
