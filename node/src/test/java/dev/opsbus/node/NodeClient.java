package dev.opsbus.node;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/** What a script would do against a running node, with the JDK's own HTTP and WebSocket clients. */
final class NodeClient {

  /** The line the first start logs with the generated admin password. */
  static final Pattern GENERATED_ADMIN = Pattern.compile("created user 'admin' with the generated password (\\S+)");

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private final int port;

  NodeClient(int port) {
    this.port = port;
  }

  record Answer(int status, String body) {
    JsonObject json() {
      return new JsonObject(body);
    }
  }

  Answer post(String path, JsonObject body, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(20))
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.encode()));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(r.statusCode(), r.body());
  }

  Answer get(String path, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(20)).GET();
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(r.statusCode(), r.body());
  }

  Answer put(String path, JsonObject body, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(20))
        .header("content-type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(body.encode()));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(r.statusCode(), r.body());
  }

  Answer delete(String path, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(20)).DELETE();
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(r.statusCode(), r.body());
  }

  String login(String username, String password) throws Exception {
    Answer a = post("/api/login", new JsonObject().put("username", username).put("password", password), null);
    if (a.status() != 200) {
      throw new AssertionError("login of " + username + " on port " + port + " failed: " + a.status() + " " + a.body());
    }
    return a.json().getString("token");
  }

  /** Creates a user as admin; returns its token. */
  String user(String adminToken, String username, List<String> roles, List<String> hosts) throws Exception {
    String password = username + "-password";
    Answer a = post("/api/users", new JsonObject().put("username", username).put("password", password)
        .put("roles", new JsonArray(roles)).put("hosts", new JsonArray(hosts)), adminToken);
    if (a.status() != 201) {
      throw new AssertionError("creating " + username + " failed: " + a.status() + " " + a.body());
    }
    return login(username, password);
  }

  /** A raw-WebSocket bridge client at /eventbus/websocket, authenticated on the handshake. */
  Bridge bridge(String token) throws Exception {
    Bridge listener = new Bridge();
    HTTP.newWebSocketBuilder().header("Authorization", "Bearer " + token)
        .buildAsync(URI.create("ws://127.0.0.1:" + port + "/eventbus/websocket"), listener)
        .get(20, TimeUnit.SECONDS);
    return listener;
  }

  static final class Bridge implements WebSocket.Listener, AutoCloseable {

    private final BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
    private final StringBuilder partial = new StringBuilder();
    private volatile WebSocket ws;

    @Override
    public void onOpen(WebSocket webSocket) {
      ws = webSocket;
      webSocket.request(Long.MAX_VALUE);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        frames.add(new JsonObject(partial.toString()));
        partial.setLength(0);
      }
      return null;
    }

    private final java.util.concurrent.CompletableFuture<Integer> closedWith = new java.util.concurrent.CompletableFuture<>();

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      closedWith.complete(statusCode);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      closedWith.complete(-1);
    }

    /** The close status the server sent, once it closed the socket within {@code timeout}. */
    int awaitClosed(Duration timeout) throws Exception {
      try {
        return closedWith.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        throw new AssertionError("the server did not close the bridge socket within " + timeout, e);
      }
    }

    void send(JsonObject frame) {
      ws.sendText(frame.encode(), true).join();
    }

    /** Sends unless the server has closed the socket already; false then. */
    boolean trySend(JsonObject frame) {
      try {
        send(frame);
        return true;
      } catch (java.util.concurrent.CompletionException e) {
        return false;
      }
    }

    void register(String address) {
      send(new JsonObject().put("type", "register").put("address", address));
    }

    /** The next frame matching {@code p}; frames passed over stay for later calls, in order. */
    JsonObject next(Predicate<JsonObject> p, Duration timeout) throws InterruptedException {
      for (java.util.Iterator<JsonObject> it = skipped.iterator(); it.hasNext(); ) {
        JsonObject f = it.next();
        if (p.test(f)) {
          it.remove();
          return f;
        }
      }
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        long left = deadline - System.nanoTime();
        JsonObject f = left <= 0 ? null : frames.poll(left, TimeUnit.NANOSECONDS);
        if (f == null) {
          throw new AssertionError("no matching frame within " + timeout + "; passed over " + skipped);
        }
        if (p.test(f)) {
          return f;
        }
        skipped.add(f);
      }
    }

    private final java.util.List<JsonObject> skipped = new java.util.ArrayList<>();

    @Override
    public void close() {
      if (ws != null) {
        ws.abort();
      }
    }
  }
}
