package dev.opsbus.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Watches operations end as a browser does: one bridge connection on {@code /eventbus/websocket},
 * {@code register} on an {@code ops.updates.*} address with the bearer token, a ping every 5 s.
 * {@link #finished} completes when a snapshot of that operation with a final status arrives (or has
 * arrived already). The maps are guarded by this object's monitor (held only for a lookup).
 */
final class OpsWatcher {

  static final List<String> FINAL = List.of("completed", "failed", "cancelled");

  /** When an operation reached a final status, and which. */
  record End(String status, long nanos) {
  }

  private final Vertx vertx;
  private final Map<String, End> ended = new HashMap<>();
  private final Map<String, Promise<End>> waiting = new HashMap<>();
  private WebSocketClient client;
  private WebSocket ws;
  private long ping = -1;
  private volatile int errors;

  OpsWatcher(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Connects to {@code base}'s bridge and registers on {@code address}; done once the register frame is written. */
  Future<Void> start(URI base, String token, String address) {
    client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxMessageSize(16 * 1024 * 1024));
    WebSocketConnectOptions co = new WebSocketConnectOptions().setHost(base.getHost()).setPort(base.getPort())
        .setURI("/eventbus/websocket");
    return client.webSocket().textMessageHandler(this::onFrame).connect(co).compose(socket -> {
      ws = socket;
      ping = vertx.setPeriodic(OpsbusProtocol.PING_MILLIS, t -> ws.writeTextMessage("{\"type\":\"ping\"}"));
      JsonObject register = new JsonObject().put("type", "register").put("address", address)
          .put("headers", new JsonObject().put("authorization", "Bearer " + token));
      return ws.writeTextMessage(register.encode());
    });
  }

  private void onFrame(String text) {
    long now = System.nanoTime();
    JsonObject f = new JsonObject(text);
    if ("err".equals(f.getString("type"))) {
      errors++;
      System.err.println("operations: bridge err frame: " + text);
      return;
    }
    if (!"rec".equals(f.getString("type")) || !(f.getValue("body") instanceof JsonObject body)) {
      return;
    }
    String id = body.getString("id");
    String status = body.getString("status");
    if (id == null || !FINAL.contains(status)) {
      return;
    }
    End end = new End(status, now);
    Promise<End> p;
    synchronized (this) {
      if (ended.putIfAbsent(id, end) != null) {
        return;
      }
      p = waiting.remove(id);
    }
    if (p != null) {
      p.complete(end);
    }
  }

  /** Completes when operation {@code id} ends (at once if it has); any thread. */
  Future<End> finished(String id) {
    Promise<End> p = Promise.promise();
    End e;
    synchronized (this) {
      e = ended.get(id);
      if (e == null) {
        waiting.put(id, p);
      }
    }
    if (e != null) {
      p.complete(e);
    }
    return p.future();
  }

  int errors() {
    return errors;
  }

  Future<Void> close() {
    if (ping >= 0) {
      vertx.cancelTimer(ping);
    }
    Future<Void> closing = ws == null ? Future.succeededFuture() : ws.close();
    return closing.transform(ar -> client == null ? Future.succeededFuture() : client.close());
  }
}
