package dev.opsbus.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;

/**
 * Subscribers on Vert.x's WebSocket client: each message copied into a {@code Buffer} and parsed by
 * the protocol (Jackson). The generator's original client, kept as {@code --client vertx}.
 */
final class VertxSubscriberClient implements SubscriberClient {

  private final WebSocketClient client;
  private final WireProtocol protocol;

  VertxSubscriberClient(Vertx vertx, WireProtocol protocol, int maxConnections) {
    this.protocol = protocol;
    this.client = vertx.createWebSocketClient(new WebSocketClientOptions()
        .setMaxConnections(maxConnections)
        .setConnectTimeout(30_000)
        .setMaxFrameSize(1 << 20)
        .setMaxMessageSize(1 << 22));
  }

  @Override
  public Future<ClientSocket> connect(String host, int port, String path, Events events) {
    WebSocketConnectOptions opts = new WebSocketConnectOptions().setHost(host).setPort(port).setURI(path);
    return client.connect(opts).map(ws -> {
      ClientSocket socket = new Socket(ws);
      ws.handler(data -> {
        long now = System.nanoTime();
        protocol.onFrames(data, f -> {
          if (f.kind() == WireProtocol.Kind.DELIVERY) {
            events.delivery(f.t(), now);
          } else {
            events.frame(socket, f);
          }
        });
      });
      ws.exceptionHandler(e -> events.error(e.getMessage()));
      ws.closeHandler(v -> events.closed());
      return socket;
    });
  }

  @Override
  public String describe() {
    return "vertx (Vert.x WebSocket client, Jackson parse)";
  }

  @Override
  public Future<Void> close() {
    return client.close();
  }

  private record Socket(WebSocket ws) implements ClientSocket {
    @Override
    public void writeText(String text) {
      ws.writeTextMessage(text);
    }

    @Override
    public Future<Void> close() {
      return ws.close();
    }
  }
}
