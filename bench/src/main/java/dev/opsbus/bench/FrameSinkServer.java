package dev.opsbus.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The plain sink: the cheapest server that speaks the raw protocol, to measure the load generator's
 * own ceiling. One Netty event loop (epoll when it loads) accepts WebSockets on any path, answers
 * the upgrade and from then on only writes: each bench message becomes one frame, built once, whose
 * bytes every connection gets as a duplicate of the same buffer, flushed once per batch of messages.
 * The control API ({@link BenchControl}, {@link BroadcastPublisher}: same rate, stamps and stats as
 * the other servers) runs on Vert.x on its own port. Whatever limit a run against it shows is the
 * generator's.
 */
public final class FrameSinkServer implements AutoCloseable {

  private final EventLoopGroup group;
  private final EventLoop loop;
  private final Channel server;
  private final List<Channel> channels = new ArrayList<>(); // touched on the loop only
  private final List<Channel> unflushed = new ArrayList<>();
  private volatile int connected;
  private boolean flushQueued;
  private final Vertx vertx;
  private final HttpServer control;

  private FrameSinkServer(String host, int port, int controlPort) throws Exception {
    group = NettyTransports.group(1, "bench-sink");
    loop = group.next();
    server = new ServerBootstrap()
        .group(group)
        .channel(NettyTransports.serverChannel())
        .option(ChannelOption.SO_BACKLOG, 8192)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast(new Upgrade());
          }
        })
        .bind(host, port).sync().channel();
    vertx = Vertx.vertx();
    BroadcastPublisher publisher = new BroadcastPublisher(vertx, this::publish);
    BenchControl api = new BenchControl(publisher, () -> connected,
        "plain sink: Netty " + NettyTransports.name() + ", pre-built frames, Java " + Runtime.version());
    control = vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(controlPort))
        .requestHandler(api).listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  public static FrameSinkServer start(String host, int port, int controlPort) throws Exception {
    return new FrameSinkServer(host, port, controlPort);
  }

  public int port() {
    return ((java.net.InetSocketAddress) server.localAddress()).getPort();
  }

  public int controlPort() {
    return control.actualPort();
  }

  /** From the publisher's thread: the frame is built here, written and flushed on the sink's loop. */
  private void publish(String body) {
    byte[] payload = body.getBytes(StandardCharsets.UTF_8);
    ByteBuf frame = Unpooled.directBuffer(payload.length + 4);
    frame.writeByte(0x81);
    if (payload.length < 126) {
      frame.writeByte(payload.length);
    } else {
      frame.writeByte(126).writeShort(payload.length);
    }
    frame.writeBytes(payload);
    loop.execute(() -> broadcast(frame));
  }

  private void broadcast(ByteBuf frame) {
    try {
      for (int i = 0, n = channels.size(); i < n; i++) {
        Channel ch = channels.get(i);
        ch.write(frame.retainedDuplicate(), ch.voidPromise());
      }
      if (!flushQueued) {
        flushQueued = true;
        unflushed.addAll(channels);
        loop.execute(this::flushAll); // after every message already queued: one flush per batch
      }
    } finally {
      frame.release();
    }
  }

  private void flushAll() {
    flushQueued = false;
    for (int i = 0, n = unflushed.size(); i < n; i++) {
      unflushed.get(i).flush();
    }
    unflushed.clear();
  }

  /** Answers the WebSocket upgrade, then discards whatever the client sends. */
  private final class Upgrade extends ByteToMessageDecoder {
    private static final ByteBuf END = Unpooled.unreleasableBuffer(
        Unpooled.wrappedBuffer("\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
      int end = ByteBufUtil.indexOf(END, in);
      if (end < 0) {
        if (in.readableBytes() > 16384) {
          ctx.close();
        }
        return;
      }
      String head = in.toString(in.readerIndex(), end - in.readerIndex(), StandardCharsets.ISO_8859_1);
      in.readerIndex(end + 4);
      String key = null;
      for (String line : head.split("\r\n")) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("sec-websocket-key")) {
          key = line.substring(colon + 1).trim();
        }
      }
      if (key == null) {
        ctx.writeAndFlush(Unpooled.copiedBuffer("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            StandardCharsets.US_ASCII)).addListener(f -> ctx.close());
        return;
      }
      String answer = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
          + NettyWebSocketHandler.expectedAccept(key) + "\r\n\r\n";
      Channel ch = ctx.channel();
      ctx.writeAndFlush(Unpooled.copiedBuffer(answer, StandardCharsets.US_ASCII));
      channels.add(ch);
      connected = channels.size();
      ch.closeFuture().addListener(f -> {
        channels.remove(ch);
        unflushed.remove(ch);
        connected = channels.size();
      });
      ctx.pipeline().replace(this, "discard", new Discard());
    }
  }

  /** The client's frames (a close, at the end) are not read. */
  private static final class Discard extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  @Override
  public void close() throws Exception {
    server.close().sync();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** {@code sink-server [--host 127.0.0.1] [--port 0] [--control-port 0]}; prints {@code {"listening":P,"control":P,"pid":N}}. */
  static void main(String[] args, PrintStream out) throws Exception {
    Flags f = Flags.parse(args, List.of());
    f.checkOnly(List.of("host", "port", "control-port"));
    FrameSinkServer sink = start(f.string("host", "127.0.0.1"), f.integer("port", 0), f.integer("control-port", 0));
    out.println("{\"listening\":" + sink.port() + ",\"control\":" + sink.controlPort() + ",\"pid\":" + ProcStats.selfPid()
        + ",\"transport\":\"" + (NettyTransports.epoll() ? "epoll" : "nio") + "\"}");
    out.flush();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        sink.close();
      } catch (Exception e) {
        // exiting anyway
      } finally {
        stopped.countDown();
      }
    }, "bench-sink-stop"));
    stopped.await();
  }
}
