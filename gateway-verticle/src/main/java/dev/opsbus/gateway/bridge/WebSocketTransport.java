package dev.opsbus.gateway.bridge;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;

/**
 * A raw WebSocket speaking the same JSON frames as vertx-eventbus.js, one frame per text message.
 *
 * <p>Deliveries take a fast path when the socket's Netty channel is known: the whole WebSocket frame,
 * made once in a direct buffer for every subscriber ({@link Delivery#wireFrame()}), is written as a
 * duplicate holding a reference, from the head of the pipeline (no handler behind it has anything to
 * do with finished frame bytes), without a flush; the {@link FlushBatcher} flushes each socket once after the messages queued on the event
 * loop are handed out, so a burst costs one system call per socket instead of one per message, and
 * no socket re-encodes the frame. Replies and errors go through Vert.x as usual.
 *
 * <p>Writes that bypass Vert.x also bypass its write queue, so backpressure is read from the
 * channel itself: the transport counts as full while the channel is not writable (Netty's outbound
 * buffer is past its high-water mark), and a small handler at the head of the pipeline calls the
 * drain handler when the channel turns writable again. The fast path is only taken while nothing
 * waits in Vert.x's queue or the connection's own, so frames never overtake each other.
 */
final class WebSocketTransport implements BridgeTransport {

  static final String KIND = "websocket";

  private final ServerWebSocket socket;
  private final Channel channel;
  private final FlushBatcher flushes;
  private final Context context;
  private Handler<Void> drain;
  private final WritabilityWatch watch = new WritabilityWatch();

  /**
   * @param channel the socket's Netty channel, or null to write everything through Vert.x
   * @param context the event-loop context the connection's handlers run on
   */
  WebSocketTransport(ServerWebSocket socket, Channel channel, FlushBatcher flushes, Context context) {
    this.socket = socket;
    this.flushes = flushes;
    this.context = context;
    // pre-encoded frames are only right without extensions (the gateway turns compression off)
    this.channel = channel != null && channel.isActive() && !hasExtensions(channel) ? channel : null;
    if (this.channel != null) {
      this.channel.pipeline().addFirst(watch);
    }
  }

  private static boolean hasExtensions(Channel channel) {
    return channel.pipeline().names().stream().anyMatch(n -> n.toLowerCase(java.util.Locale.ROOT).contains("deflate"))
        || channel.pipeline().toMap().values().stream()
            .anyMatch(h -> h.getClass().getName().contains("Extension") || h.getClass().getName().contains("Deflate"));
  }

  @Override
  public void write(Delivery delivery) {
    if (channel == null || !channel.isActive() || !channel.eventLoop().inEventLoop()) {
      write(delivery.frame());
      return;
    }
    // the whole frame, made once for every socket; the WebSocket encoder lets bytes through as they are.
    // A plain duplicate holding one more reference (released with the duplicate once written): a
    // pooled retainedDuplicate() went through Netty's recycler per socket, 15% of a broadcast's samples
    // Written from the head of the pipeline (the watch's place): the bytes are a finished frame,
    // which every handler behind it (WebSocket encoder, Vert.x's handler) would only pass along.
    ByteBuf frame = delivery.wireFrame();
    frame.retain();
    ChannelHandlerContext head = watch.ctx;
    if (head != null && !head.isRemoved()) {
      head.write(frame.duplicate(), head.voidPromise());
    } else {
      channel.write(frame.duplicate(), channel.voidPromise());
    }
    flushes.mark(channel);
  }

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public void write(String frame) {
    socket.writeTextMessage(frame);
  }

  /** False once the socket is closed (Vert.x throws when asked then): a write to it is dropped, nothing waits for it. */
  @Override
  public boolean writeQueueFull() {
    if (socket.isClosed()) {
      return false;
    }
    return socket.writeQueueFull() || (channel != null && !channel.isWritable());
  }

  /** Nothing to wait for on a closed socket (Vert.x throws when asked then): the handler is dropped. */
  @Override
  public void drainHandler(Handler<Void> handler) {
    if (socket.isClosed()) {
      drain = null;
      return;
    }
    drain = handler;
    socket.drainHandler(handler);
  }

  @Override
  public void dataHandler(Handler<Buffer> handler) {
    // whole messages only: a frame split over continuation frames is reassembled first
    socket.textMessageHandler(text -> handler.handle(Buffer.buffer(text)));
    socket.binaryMessageHandler(handler);
  }

  @Override
  public void activityHandler(Handler<Void> handler) {
    // Vert.x answers pings itself; whole messages still come through the handlers above
    socket.frameHandler(frame -> {
      if (frame.isPing() || frame.type() == io.vertx.core.http.WebSocketFrameType.PONG) {
        handler.handle(null);
      }
    });
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

  /** Tells the connection when the channel can take writes again (Vert.x only does for its own queue). */
  private final class WritabilityWatch extends ChannelInboundHandlerAdapter {
    /** This handler's place in the pipeline: deliveries are written from here. */
    ChannelHandlerContext ctx;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
      ctx.fireChannelWritabilityChanged();
      if (ctx.channel().isWritable() && drain != null) {
        Handler<Void> h = drain;
        // behind Vert.x's own handling of the event, so its queue is written first
        context.runOnContext(v -> {
          // a channel's writability also changes as it closes, when its outbound buffer is dropped
          if (!socket.isClosed() && !writeQueueFull()) {
            h.handle(null);
          }
        });
      }
    }
  }
}
