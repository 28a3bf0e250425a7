package dev.opsbus.gateway.http;

import dev.opsbus.model.ErrorCode;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * A WebSocket frame over the server's frame limit (twice {@code bridge.maxFrameBytes}) is refused by
 * Netty's decoder before its payload is read; Vert.x then dropped the connection without a close
 * frame (the client saw 1006). This handler, behind the decoder in every HTTP connection's pipeline
 * (it only acts once the connection is a WebSocket), answers such a frame with close status 1009
 * "message too big" and the reason {@code too_large}, then closes: the bridge's raw WebSocket, SockJS
 * over WebSocket and the terminal socket alike. Frames up to the limit reach the bridge, which answers
 * {@code too_large} frames past {@code bridge.maxFrameBytes} with an err frame and carries on.
 *
 * <p>A message sent in fragments is bounded the same way: once its fragments add up past the
 * message limit (Vert.x would drop the message without a word), the socket is closed with 1009 too.
 */
final class OversizeFrames extends ChannelInboundHandlerAdapter {

  static final String NAME = "opsbus-oversize-frames";

  private final long maxMessageBytes;
  /** Bytes of the fragmented message under way; -1 when none is. */
  private long fragmented = -1;

  /** @param maxMessageBytes the server's WebSocket message limit */
  OversizeFrames(long maxMessageBytes) {
    this.maxMessageBytes = maxMessageBytes;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    if (msg instanceof WebSocketFrame f && !(f instanceof CloseWebSocketFrame) && (f instanceof ContinuationWebSocketFrame
        || !f.isFinalFragment() || fragmented >= 0) && !isControl(f)) {
      long sum = (f instanceof ContinuationWebSocketFrame ? Math.max(0, fragmented) : 0) + f.content().readableBytes();
      fragmented = f.isFinalFragment() ? -1 : sum;
      if (sum > maxMessageBytes) {
        ReferenceCountUtil.release(msg);
        tooBig(ctx);
        return;
      }
    }
    ctx.fireChannelRead(msg);
  }

  private static boolean isControl(WebSocketFrame f) {
    return f instanceof io.netty.handler.codec.http.websocketx.PingWebSocketFrame
        || f instanceof io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
  }

  private static void tooBig(ChannelHandlerContext ctx) {
    if (ctx.channel().isActive()) {
      ctx.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.MESSAGE_TOO_BIG.code(), ErrorCode.TOO_LARGE.wireName()))
          .addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
    if (cause instanceof CorruptedWebSocketFrameException e && e.closeStatus() != null
        && e.closeStatus().code() == WebSocketCloseStatus.MESSAGE_TOO_BIG.code()) {
      tooBig(ctx);
      return;
    }
    ctx.fireExceptionCaught(cause);
  }
}
