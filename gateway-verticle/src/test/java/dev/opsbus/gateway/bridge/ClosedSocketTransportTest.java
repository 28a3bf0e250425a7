package dev.opsbus.gateway.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.testkit.Await;
import io.netty.channel.Channel;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A subscriber's WebSocket that closes while deliveries wait for it to drain (a browser that goes
 * away while it is behind) leaves no error behind: asked whether it is full, or given a drain
 * handler, once closed, the transport answers instead of letting Vert.x throw on the event loop
 * (which a bench run showed as "Unhandled exception: WebSocket is closed" when 1,000 backlogged
 * subscribers disconnected).
 */
class ClosedSocketTransportTest {

  @Test
  void aBackloggedSocketThatClosesLeavesNoUnhandledErrorAndNoDrainCall() {
    Vertx vertx = Vertx.vertx();
    List<Throwable> unhandled = new CopyOnWriteArrayList<>();
    vertx.exceptionHandler(unhandled::add);
    try {
      Promise<WebSocketTransport> made = Promise.promise();
      Promise<Context> loop = Promise.promise();
      Promise<Void> serverSawClose = Promise.promise();
      AtomicInteger drains = new AtomicInteger();
      HttpServer server = Await.result(vertx.createHttpServer(new HttpServerOptions().setPort(0).setHost("127.0.0.1"))
          .requestHandler(req -> {
            Channel channel = NettyChannels.of(req);
            Context ctx = vertx.getOrCreateContext();
            req.toWebSocket().onSuccess(ws -> {
              WebSocketTransport t = new WebSocketTransport(ws, channel, new FlushBatcher(ctx), ctx);
              t.closeHandler(v -> serverSawClose.tryComplete());
              loop.complete(ctx);
              made.complete(t);
            });
          })
          .listen());
      WebSocketClient client = vertx.createWebSocketClient();
      WebSocket ws = Await.result(client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(server.actualPort()).setURI("/")));
      ws.pause(); // a browser that is behind: it reads nothing
      WebSocketTransport transport = Await.result(made.future());
      Context serverCtx = Await.result(loop.future());
      String frame = "x".repeat(16 * 1024);
      // on the transport's loop, as the bridge writes: until the socket counts as full, then wait for its drain
      Promise<Void> backlogged = Promise.promise();
      serverCtx.runOnContext(v -> {
        int n = 0;
        while (!transport.writeQueueFull() && n++ < 100_000) {
          transport.write(frame);
        }
        transport.drainHandler(d -> drains.incrementAndGet());
        backlogged.complete();
      });
      Await.result(backlogged.future());

      Await.result(ws.close());
      Await.result(serverSawClose.future());
      // the bridge may still ask a closed socket whether it is full, and wait for its drain
      Promise<Boolean> asked = Promise.promise();
      // (queued on the socket's loop behind whatever its close set off there, a writability change included)
      serverCtx.runOnContext(v -> {
        transport.drainHandler(d -> drains.incrementAndGet());
        asked.complete(transport.writeQueueFull());
      });
      assertThat(Await.result(asked.future())).as("a closed socket is never full: writes to it are dropped").isFalse();
      assertThat(unhandled).as("errors thrown on the event loop").isEmpty();
      assertThat(drains).as("no drain is reported for a socket that closed").hasValue(0);
    } finally {
      Await.result(vertx.close());
    }
  }
}
