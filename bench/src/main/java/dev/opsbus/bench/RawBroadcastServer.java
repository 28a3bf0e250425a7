package dev.opsbus.bench;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * The near-limit baseline: a bare Vert.x WebSocket server that keeps its sockets in a list and
 * writes one text frame per client per message. WebSockets on {@code /ws}, control API on
 * {@code /bench/*}. Deploy one instance: list and publisher live on its event loop.
 */
public final class RawBroadcastServer extends VerticleBase {

  public static final String WS_PATH = "/ws";

  private final String host;
  private final int port;
  private final List<ServerWebSocket> sockets = new ArrayList<>();
  private HttpServer server;

  public RawBroadcastServer(String host, int port) {
    this.host = host;
    this.port = port;
  }

  @Override
  public Future<?> start() {
    BroadcastPublisher publisher = new BroadcastPublisher(vertx, this::broadcast);
    BenchControl control = new BenchControl(publisher, sockets::size,
        "vertx-core " + vertxVersion() + " raw WebSocket, Java " + Runtime.version());
    server = vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port).setAcceptBacklog(8192))
        .webSocketHandler(ws -> {
          if (!WS_PATH.equals(ws.path())) {
            ws.close((short) 1008, "no WebSocket endpoint at " + ws.path());
            return;
          }
          sockets.add(ws);
          ws.closeHandler(v -> sockets.remove(ws));
          ws.exceptionHandler(e -> ws.close());
        })
        .requestHandler(control);
    return server.listen();
  }

  private void broadcast(String text) {
    for (int i = 0, n = sockets.size(); i < n; i++) {
      sockets.get(i).writeTextMessage(text);
    }
  }

  static String vertxVersion() {
    try (var in = RawBroadcastServer.class.getResourceAsStream("/META-INF/vertx/vertx-version.txt")) {
      return in == null ? "?" : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
    } catch (java.io.IOException e) {
      return "?";
    }
  }

  /** The port actually bound (useful with port 0). */
  public int actualPort() {
    return server.actualPort();
  }
}
