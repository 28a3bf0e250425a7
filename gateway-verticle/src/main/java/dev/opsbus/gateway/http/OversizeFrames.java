package dev.opsbus.gateway.http;

import dev.opsbus.model.ErrorCode;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;

/**
 * A WebSocket frame over the server's frame limit (twice {@code bridge.maxFrameBytes}) is refused by
 * Netty's decoder before its payload is read; Vert.x then dropped the connection without a close
 * frame (the client saw 1006). This handler, behind the decoder in every HTTP connection's pipeline
 * (it only acts once the connection is a WebSocket), answers such a frame with close status 1009
 * "message too big" and the reason {@code too_large}, then closes: the bridge's raw WebSocket, SockJS
 * over WebSocket and the terminal socket alike. Frames up to the limit reach the bridge, which answers
 * {@code too_large} frames past {@code bridge.maxFrameBytes} with an err frame and carries on.
 */
final class OversizeFrames extends ChannelInboundHandlerAdapter {

  static final String NAME = "opsbus-oversize-frames";

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
    if (cause instanceof CorruptedWebSocketFrameException e && e.closeStatus() != null
        && e.closeStatus().code() == WebSocketCloseStatus.MESSAGE_TOO_BIG.code()) {
      if (ctx.channel().isActive()) {
        ctx.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.MESSAGE_TOO_BIG.code(), ErrorCode.TOO_LARGE.wireName()))
            .addListener(ChannelFutureListener.CLOSE);
      }
      return;
    }
    ctx.fireExceptionCaught(cause);
  }
}
