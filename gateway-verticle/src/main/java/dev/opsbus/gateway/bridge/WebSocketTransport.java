package dev.opsbus.gateway.bridge;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.http.WebSocketInternal;

/**
 * A raw WebSocket speaking the same JSON frames as vertx-eventbus.js, one frame per text message.
 * Deliveries take a fast path: the frame bytes encoded once for every subscriber are wrapped (not
 * copied) into a Netty text frame and written without a flush; the {@link FlushBatcher} flushes
 * each socket once after the messages queued on the event loop are handed out, so a burst of
 * messages costs one system call per socket instead of one per message.
 */
final class WebSocketTransport implements BridgeTransport {

  private final ServerWebSocket socket;
  private final ChannelHandlerContext channel;
  private final FlushBatcher flushes;

  WebSocketTransport(ServerWebSocket socket, FlushBatcher flushes) {
    this.socket = socket;
    this.flushes = flushes;
    this.channel = socket instanceof WebSocketInternal internal ? internal.channelHandlerContext() : null;
  }

  @Override
  public void write(Delivery delivery) {
    if (channel == null || socket.isClosed() || !channel.executor().inEventLoop()) {
      write(delivery.frame());
      return;
    }
    channel.write(new TextWebSocketFrame(true, 0, Unpooled.wrappedBuffer(delivery.frameBytes())), channel.voidPromise());
    flushes.mark(channel);
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
