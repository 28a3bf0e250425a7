package dev.opsbus.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * The service-publish scenario's publisher (command {@code service-publisher}): one internal service,
 * in its own process, holding a service key granted {@code publish bench.fanout}, publishes the
 * stamped bench message into an opsbus bench server the way a service would, over one of three ways
 * in: {@code http} ({@code POST /api/bus/publish} with {@code {"messages": [...]}}: every message due
 * in a timer tick goes in one batch, at most 500, over a few keep-alive connections), {@code tcp}
 * (the TCP event-bus bridge, one connection, a length-prefixed {@code publish} frame per message) or
 * {@code websocket} (the bridge at {@code /eventbus/websocket}, one connection, a {@code publish}
 * frame per message, as a browser would). It serves the bench control API, so the ordinary load
 * generator ({@code load --protocol opsbus}) drives it and measures the browsers' side unchanged;
 * its {@code clients} are the bench server's (read from that server's control API).
 */
public final class ServicePublisher {

  static final List<String> FLAGS = List.of("url", "tcp-port", "via", "server-control", "user", "password", "host", "control-port",
      "batch-max", "http-connections");

  private final Vertx vertx;
  private final URI gateway;
  private final String via;
  private final LongAdder errors = new LongAdder();
  private final LongAdder requests = new LongAdder();
  /** HTTP only: requests answered 202, and the slowest answer. */
  private final LongAdder accepted = new LongAdder();
  private final java.util.concurrent.atomic.AtomicLong slowestNanos = new java.util.concurrent.atomic.AtomicLong();
  private final AtomicReference<String> firstError = new AtomicReference<>();
  private volatile int clients;

  private ServicePublisher(Vertx vertx, URI gateway, String via) {
    this.vertx = vertx;
    this.gateway = gateway;
    this.via = via;
  }

  static void main(String[] args, PrintStream out) throws Exception {
    Flags f = Flags.parse(args, List.of());
    f.checkOnly(FLAGS);
    URI gateway = URI.create(f.string("url", "http://127.0.0.1:8080"));
    String via = f.string("via", "http");
    if (!List.of("http", "tcp", "websocket").contains(via)) {
      throw new IllegalArgumentException("--via is http, tcp or websocket");
    }
    String serverControl = f.string("server-control", null);
    if (serverControl == null) {
      throw new IllegalArgumentException("--server-control http://127.0.0.1:CONTROL (the bench server's control API, for its subscriber count)");
    }
    Vertx vertx = Vertx.vertx();
    ServicePublisher p = new ServicePublisher(vertx, gateway, via);
    ControlClient control = new ControlClient(vertx, serverControl);
    String token = await(control.login(gateway + "/api/login", f.string("user", "admin"),
        f.string("password", System.getenv("OPSBUS_ADMIN_PASSWORD"))));
    String key = await(p.createKey(token));
    Consumer<String> sink = switch (via) {
      case "http" -> p.httpSink(key, f.integer("batch-max", 500), f.integer("http-connections", 4));
      case "tcp" -> p.tcpSink(key, f.integer("tcp-port", -1));
      default -> p.webSocketSink(key);
    };
    // the subscriber count is the bench server's; read it once a second
    vertx.setPeriodic(1, 1_000, id -> control.stats(false).onSuccess(s -> p.clients = s.getInteger("clients", 0)));
    HttpServer server = await(p.serve(sink, f.string("host", "127.0.0.1"), f.integer("control-port", 0)));
    out.println(new JsonObject().put("control", server.actualPort()).put("pid", ProcStats.selfPid()).put("via", via).encode());
    out.flush();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.err.println("service-publisher " + via + ": " + p.requests.sum() + " requests/frames, "
          + (via.equals("http") ? p.accepted.sum() + " answered 202 (slowest " + p.slowestNanos.get() / 1_000_000 + " ms), " : "")
          + p.errors.sum() + " errors"
          + (p.firstError.get() == null ? "" : ", first: " + p.firstError.get()));
      stopped.countDown();
    }));
    stopped.await();
  }

  private Future<HttpServer> serve(Consumer<String> sink, String host, int port) {
    BroadcastPublisher publisher = new BroadcastPublisher(vertx, sink);
    BenchControl control = new BenchControl(publisher, () -> clients, "one service publishing over " + via + " (service key)");
    return vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port)).requestHandler(control).listen();
  }

  private Future<String> createKey(String adminToken) {
    HttpClient http = vertx.createHttpClient();
    JsonObject body = new JsonObject().put("name", "bench-" + via + "-" + System.currentTimeMillis())
        .put("grants", new JsonObject().put("publish", new JsonArray().add(OpsbusBenchPublisher.FANOUT_ADDRESS)));
    return http.request(new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(gateway + "/api/service-keys"))
        .compose(req -> req.putHeader("content-type", "application/json").putHeader("authorization", "Bearer " + adminToken)
            .send(body.toBuffer()))
        .compose(resp -> resp.body().map(b -> {
          if (resp.statusCode() != 201) {
            throw new IllegalStateException("making the service key answered " + resp.statusCode() + ": " + b);
          }
          return b.toJsonObject().getString("secret");
        }));
  }

  private void error(String what) {
    errors.increment();
    firstError.compareAndSet(null, what);
  }

  // ---- HTTP: batched POST /api/bus/publish

  private Consumer<String> httpSink(String key, int batchMax, int connections) {
    HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true), new PoolOptions().setHttp1MaxSize(connections));
    RequestOptions opts = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(gateway + "/api/bus/publish")
        .putHeader("content-type", "application/json").putHeader("authorization", "Bearer " + key);
    List<String> batch = new ArrayList<>();
    boolean[] flushQueued = {false};
    Runnable flush = () -> {
      flushQueued[0] = false;
      if (batch.isEmpty()) {
        return;
      }
      StringBuilder sb = new StringBuilder(batch.size() * 300).append("{\"messages\":[");
      for (int i = 0; i < batch.size(); i++) {
        sb.append(i == 0 ? "" : ",").append("{\"address\":\"").append(OpsbusBenchPublisher.FANOUT_ADDRESS).append("\",\"body\":")
            .append(batch.get(i)).append('}');
      }
      batch.clear();
      Buffer payload = Buffer.buffer(sb.append("]}").toString());
      requests.increment();
      long sent = System.nanoTime();
      http.request(opts).compose(req -> req.send(payload)).compose(resp -> resp.body().map(b -> {
        slowestNanos.accumulateAndGet(System.nanoTime() - sent, Math::max);
        if (resp.statusCode() != 202) {
          error(resp.statusCode() + " " + b);
        } else {
          accepted.increment();
        }
        return null;
      })).onFailure(e -> error(e.toString()));
    };
    return body -> {
      batch.add(body);
      if (batch.size() >= batchMax) {
        flush.run();
      } else if (!flushQueued[0]) {
        // after the publisher's tick: every message due in it goes in one request
        flushQueued[0] = true;
        vertx.getOrCreateContext().runOnContext(v -> flush.run());
      }
    };
  }

  // ---- TCP event-bus bridge

  private Consumer<String> tcpSink(String key, int port) throws Exception {
    if (port <= 0) {
      throw new IllegalArgumentException("--tcp-port: the bench server's TCP bridge port");
    }
    NetSocket socket = await(vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true)).connect(port, gateway.getHost()));
    RecordParser parser = RecordParser.newFixed(4);
    int[] expected = {-1};
    parser.handler(rec -> {
      if (expected[0] < 0) {
        expected[0] = rec.getInt(0);
        parser.fixedSizeMode(expected[0]);
        return;
      }
      expected[0] = -1;
      parser.fixedSizeMode(4);
      JsonObject frame = new JsonObject(rec);
      if ("err".equals(frame.getString("type"))) {
        error(frame.encode());
      }
    });
    socket.handler(parser);
    socket.closeHandler(v -> error("the TCP bridge closed the connection"));
    Consumer<String> write = frame -> {
      byte[] b = frame.getBytes(StandardCharsets.UTF_8);
      socket.write(Buffer.buffer(4 + b.length).appendInt(b.length).appendBytes(b));
    };
    // log in at once (a connection without a valid token is closed after 10 s): ask the connection's own address with the key
    write.accept(new JsonObject().put("type", "send").put("address", "conn.self").put("replyAddress", "login").put("body", new JsonObject())
        .put("headers", new JsonObject().put("authorization", "Bearer " + key)).encode());
    vertx.setPeriodic(5_000, id -> write.accept("{\"type\":\"ping\"}"));
    return body -> {
      requests.increment();
      write.accept("{\"type\":\"publish\",\"address\":\"" + OpsbusBenchPublisher.FANOUT_ADDRESS + "\",\"body\":" + body + "}");
    };
  }

  // ---- the WebSocket bridge, as a browser publishes

  private Consumer<String> webSocketSink(String key) throws Exception {
    WebSocketConnectOptions opts = new WebSocketConnectOptions().setHost(gateway.getHost()).setPort(gateway.getPort())
        .setURI("/eventbus/websocket").addHeader("authorization", "Bearer " + key);
    WebSocket ws = await(vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(1 << 20)).connect(opts));
    ws.textMessageHandler(text -> {
      if (text.contains("\"err\"")) {
        error(text);
      }
    });
    ws.closeHandler(v -> error("the bridge closed the WebSocket"));
    vertx.setPeriodic(5_000, id -> ws.writeTextMessage("{\"type\":\"ping\"}"));
    return body -> {
      requests.increment();
      ws.writeTextMessage("{\"type\":\"publish\",\"address\":\"" + OpsbusBenchPublisher.FANOUT_ADDRESS + "\",\"body\":" + body + "}");
    };
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, java.util.concurrent.TimeUnit.SECONDS);
  }
}
