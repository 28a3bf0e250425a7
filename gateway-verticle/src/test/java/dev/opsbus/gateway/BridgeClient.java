package dev.opsbus.gateway;

import dev.opsbus.testkit.Await;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A bridge client for tests, speaking the frames over either transport: the raw WebSocket at
 * {@code /eventbus/websocket}, or SockJS's WebSocket transport (frames wrapped as {@code a[...]}),
 * which is what vertx-eventbus.js uses in a browser.
 */
public final class BridgeClient implements AutoCloseable {

  public enum Transport { RAW, SOCKJS }

  private final Transport transport;
  private final WebSocket ws;
  private final BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
  private final BlockingQueue<String> raw = new LinkedBlockingQueue<>();
  private volatile Short closeStatus;
  private volatile String closeReason;
  private volatile boolean closed;

  private BridgeClient(Transport transport, WebSocket ws) {
    this.transport = transport;
    this.ws = ws;
    if (ws.isClosed()) {
      // the server closed it before the handlers were set (a refusal right at the handshake): say so, as a close
      closeStatus = ws.closeStatusCode();
      closeReason = ws.closeReason();
      closed = true;
      return;
    }
    ws.textMessageHandler(this::onText);
    ws.closeHandler(v -> {
      closeStatus = ws.closeStatusCode();
      closeReason = ws.closeReason();
      closed = true;
    });
  }

  public static BridgeClient connect(Vertx vertx, Transport transport, int port, String token) {
    return connect(vertx, transport, port, token, null);
  }

  public static BridgeClient connect(Vertx vertx, Transport transport, int port, String token, String origin) {
    WebSocketConnectOptions opts = new WebSocketConnectOptions().setHost("localhost").setPort(port)
        .setURI(transport == Transport.RAW ? "/eventbus/websocket"
            : "/eventbus/" + (int) (Math.random() * 999) + "/" + UUID.randomUUID().toString().substring(0, 8) + "/websocket");
    if (token != null) {
      opts.addHeader("Authorization", "Bearer " + token);
    }
    if (origin != null) {
      opts.addHeader("Origin", origin);
    }
    WebSocketClient client = vertx.createWebSocketClient();
    // the handlers are set in the connect callback, on the socket's event loop, so no frame sent at once
    // (an err frame of a refusal right after the handshake) arrives before them
    return Await.result(client.connect(opts).map(ws -> new BridgeClient(transport, ws)));
  }

  private void onText(String text) {
    raw.add(text);
    if (transport == Transport.RAW) {
      frames.add(new JsonObject(text));
      return;
    }
    // SockJS: "o" open, "h" heartbeat, "a[...]" messages, "c[code,reason]" close
    if (text.startsWith("a")) {
      for (Object m : new JsonArray(text.substring(1))) {
        frames.add(new JsonObject((String) m));
      }
    }
  }

  public void sendText(String frameText) {
    if (transport == Transport.RAW) {
      ws.writeTextMessage(frameText);
    } else {
      ws.writeTextMessage(new JsonArray().add(frameText).encode());
    }
  }

  public void send(JsonObject frame) {
    sendText(frame.encode());
  }

  public void register(String address) {
    send(new JsonObject().put("type", "register").put("address", address));
  }

  public void register(String address, String token) {
    send(new JsonObject().put("type", "register").put("address", address)
        .put("headers", new JsonObject().put("authorization", "Bearer " + token)));
  }

  /** The next frame, failing after {@code timeout}. */
  public JsonObject next(Duration timeout) {
    try {
      JsonObject f = frames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (f == null) {
        throw new AssertionError("no frame within " + timeout + (closed ? " (socket closed: " + closeStatus + " " + closeReason + ")" : ""));
      }
      return f;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** The next frame matching {@code p}, skipping others. */
  public JsonObject next(Predicate<JsonObject> p, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<JsonObject> skipped = new ArrayList<>();
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("no matching frame within " + timeout + "; saw " + skipped);
      }
      JsonObject f;
      try {
        f = frames.poll(left, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
      if (f != null) {
        if (p.test(f)) {
          return f;
        }
        skipped.add(f);
      }
    }
  }

  public JsonObject nextErr(Duration timeout) {
    return next(f -> "err".equals(f.getString("type")), timeout);
  }

  public List<JsonObject> drain() {
    List<JsonObject> out = new ArrayList<>();
    frames.drainTo(out);
    return out;
  }

  public WebSocket socket() {
    return ws;
  }

  public boolean isClosed() {
    return closed;
  }

  public Short closeStatus() {
    return closeStatus;
  }

  public String closeReason() {
    return closeReason;
  }

  @Override
  public void close() {
    if (!closed) {
      ws.close();
    }
  }
}
