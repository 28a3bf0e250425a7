package dev.opsbus.gateway.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The clock of one HTTP connection, in its Netty pipeline right after the request decoder, which
 * only hands on a request once its head is complete:
 *
 * <ul>
 *   <li>from the connection's opening until a whole request head has arrived: the header timeout
 *       (a client that trickles its headers, or sends none, is closed);
 *   <li>while a request body arrives: the idle timeout between two of its pieces;
 *   <li>between a finished answer and the next request head (keep-alive): the idle timeout;
 *   <li>while the server works on an answer, and once the connection became a WebSocket (101): no
 *       clock. WebSockets have their own (the bridge's idle sweep and login deadline).
 * </ul>
 */
final class HttpTimeouts extends ChannelDuplexHandler {

  static final String NAME = "opsbus-http-timeouts";

  private final long headerNanos;
  private final long idleNanos;
  private final Runnable onTimeout;
  private final Runnable onFirstRequest;
  private boolean spoke;
  private ScheduledFuture<?> timer;
  private int inFlight;
  /** A request's head came, its last piece not yet (the answer may be written before it arrives). */
  private boolean receivingBody;
  private boolean upgraded;

  /**
   * @param onTimeout told before the clock closes the connection
   * @param onFirstRequest told once, when the first request head has arrived
   */
  HttpTimeouts(long headerNanos, long idleNanos, Runnable onTimeout, Runnable onFirstRequest) {
    this.headerNanos = headerNanos;
    this.idleNanos = idleNanos;
    this.onTimeout = onTimeout;
    this.onFirstRequest = onFirstRequest;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    arm(ctx, headerNanos);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    if (!upgraded) {
      if (msg instanceof HttpRequest) {
        inFlight++;
        cancel();
        if (!spoke) {
          spoke = true;
          onFirstRequest.run();
        }
      }
      if (msg instanceof LastHttpContent) {
        receivingBody = false;
        if (inFlight == 0) {
          // answered before the request's end arrived: now the connection is idle
          arm(ctx, idleNanos);
        } else {
          cancel();
        }
      } else if (msg instanceof HttpContent || msg instanceof HttpRequest) {
        // a body follows: each piece must come within the idle timeout of the last
        receivingBody = true;
        arm(ctx, idleNanos);
      }
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
    if (!upgraded) {
      if (msg instanceof HttpResponse r && r.status().code() == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
        upgraded = true;
        cancel();
        ctx.write(msg, promise);
        // a WebSocket from here on: nothing left to time, so every frame after this skips the handler
        ctx.pipeline().remove(this);
        return;
      } else if (msg instanceof LastHttpContent && --inFlight <= 0) {
        inFlight = 0;
        if (!receivingBody) {
          arm(ctx, idleNanos);
        }
      }
    }
    ctx.write(msg, promise);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    cancel();
    ctx.fireChannelInactive();
  }

  private void arm(ChannelHandlerContext ctx, long nanos) {
    cancel();
    timer = ctx.executor().schedule(() -> {
      timer = null;
      if (ctx.channel().isActive()) {
        onTimeout.run();
        ctx.close();
      }
    }, nanos, TimeUnit.NANOSECONDS);
  }

  private void cancel() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }
}
