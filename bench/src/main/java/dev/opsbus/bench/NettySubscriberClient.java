package dev.opsbus.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.vertx.core.Future;
import io.vertx.core.Promise;

/**
 * Subscribers straight on Netty (native epoll when it loads): one {@link NettyWebSocketHandler}
 * per connection, which upgrades the socket and reads each frame in place from the receive
 * buffer, taking the stamp by {@link StampScan} instead of a JSON parse. Frames that carry no stamp
 * (pings, errors, Socket.IO control packets) go to the protocol's own parser.
 */
final class NettySubscriberClient implements SubscriberClient {

  private final EventLoopGroup group;
  private final WireProtocol protocol;
  private final int threads;
  private final LoopLagProbe lag;

  NettySubscriberClient(WireProtocol protocol, int threads) {
    this.protocol = protocol;
    this.threads = threads;
    this.group = NettyTransports.group(threads, "bench-subscriber");
    this.lag = new LoopLagProbe(group);
  }

  @Override
  public LoopLagProbe loopLag() {
    return lag;
  }

  @Override
  public Future<ClientSocket> connect(String host, int port, String path, Events events) {
    Promise<ClientSocket> opened = Promise.promise();
    NettyWebSocketHandler handler = new NettyWebSocketHandler(host + ":" + port, path, protocol, events, opened);
    ChannelFuture f = new Bootstrap()
        .group(group)
        .channel(NettyTransports.socketChannel())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(handler);
          }
        })
        .connect(host, port);
    f.addListener(done -> {
      if (!done.isSuccess()) {
        opened.tryFail(done.cause());
      }
    });
    return opened.future();
  }

  @Override
  public String describe() {
    return "netty (" + NettyTransports.name() + ", " + threads + " thread(s), stamp read in place)";
  }

  @Override
  public Future<Void> close() {
    Promise<Void> p = Promise.promise();
    lag.close();
    group.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).addListener(f -> p.complete());
    return p.future();
  }
}
