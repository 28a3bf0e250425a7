package dev.opsbus.gateway.bridge;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;

/** A raw WebSocket speaking the same JSON frames as vertx-eventbus.js, one frame per text message. */
final class WebSocketTransport implements BridgeTransport {

  private final ServerWebSocket socket;

  WebSocketTransport(ServerWebSocket socket) {
    this.socket = socket;
  }

  @Override
  public String kind() {
    return "websocket";
  }

  @Override
  public void write(String frame) {
    socket.writeTextMessage(frame);
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
    // whole messages only: a frame split over continuation frames is reassembled first
    socket.textMessageHandler(text -> handler.handle(Buffer.buffer(text)));
    socket.binaryMessageHandler(handler);
  }

  @Override
  public void closeHandler(Handler<Void> handler) {
    socket.closeHandler(handler);
  }

  @Override
  public void close(int statusCode, String reason) {
    socket.close((short) statusCode, reason);
  }

  @Override
  public String remoteAddress() {
    return String.valueOf(socket.remoteAddress());
  }
}
