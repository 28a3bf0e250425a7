package dev.opsbus.node;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionStage;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A browser's terminal socket, for tests: output bytes collected as text, control frames as JSON. */
final class TermClient implements AutoCloseable {

  private volatile WebSocket ws;
  private final StringBuilder output = new StringBuilder();
  private final List<JsonObject> control = new CopyOnWriteArrayList<>();
  private volatile boolean closed;
  private final java.util.concurrent.CompletableFuture<Void> closedFuture = new java.util.concurrent.CompletableFuture<>();
  private volatile String closeReason;

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private TermClient() {
  }

  /** Collects what the socket receives; frames of one message are put together first. */
  private final class Listener implements WebSocket.Listener {
    private final StringBuilder text = new StringBuilder();
    private final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();

    @Override
    public void onOpen(WebSocket webSocket) {
      if (typeOnOpen != null) {
        // a script that types the moment the socket opens, before the server said ready
        for (String keys : typeOnOpen) {
          webSocket.sendBinary(ByteBuffer.wrap(keys.getBytes(StandardCharsets.UTF_8)), true).join();
        }
        webSocket.sendPing(ByteBuffer.allocate(0)).join();
      }
      if (!paused) {
        webSocket.request(Long.MAX_VALUE);
      }
    }

    @Override
    public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
      pong.complete(null);
      return null;
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        control.add(new JsonObject(text.toString()));
        text.setLength(0);
      }
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
      byte[] b = new byte[data.remaining()];
      data.get(b);
      bytes.write(b, 0, b.length);
      if (last) {
        synchronized (output) {
          output.append(bytes.toString(StandardCharsets.UTF_8));
          output.notifyAll();
        }
        bytes.reset();
      }
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      closeReason = reason;
      closed = true;
      closedFuture.complete(null);
      return null;
    }
  }

  private volatile boolean paused;
  private volatile List<String> typeOnOpen;
  private final java.util.concurrent.CompletableFuture<Void> pong = new java.util.concurrent.CompletableFuture<>();

  /**
   * Connects and types {@code keys} (one binary frame each) as soon as the socket is open, then
   * pings: once the pong is back the server has read the keystrokes ({@link #pong()}).
   */
  static TermClient connectTypingOnOpen(int port, String sessionId, String token, List<String> keys) throws Exception {
    TermClient client = new TermClient();
    client.typeOnOpen = keys;
    client.ws = HTTP.newWebSocketBuilder()
        .header("Authorization", "Bearer " + token)
        .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws/terminal/" + sessionId), client.new Listener())
        .get(20, TimeUnit.SECONDS);
    return client;
  }

  /** Completes when the server answered the ping sent after the keystrokes typed on open. */
  java.util.concurrent.CompletableFuture<Void> pong() {
    return pong;
  }

  /** Connects but reads nothing until {@link #resume()}: a browser tab that stopped reading. */
  static TermClient connectPaused(int port, String sessionId, String token) throws Exception {
    TermClient client = new TermClient();
    client.paused = true;
    client.ws = HTTP.newWebSocketBuilder()
        .header("Authorization", "Bearer " + token)
        .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws/terminal/" + sessionId), client.new Listener())
        .get(20, TimeUnit.SECONDS);
    return client;
  }

  void resume() {
    paused = false;
    ws.request(Long.MAX_VALUE);
  }

  /** Connects as a browser would (the vertx argument is kept for callers; the JDK client is used). */
  static TermClient connect(Vertx vertx, int port, String sessionId, String token) throws Exception {
    TermClient client = new TermClient();
    client.ws = HTTP.newWebSocketBuilder()
        .header("Authorization", "Bearer " + token)
        .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws/terminal/" + sessionId), client.new Listener())
        .get(20, TimeUnit.SECONDS);
    return client;
  }

  void type(String keys) {
    ws.sendBinary(ByteBuffer.wrap(keys.getBytes(StandardCharsets.UTF_8)), true).join();
  }

  void send(JsonObject controlMessage) {
    ws.sendText(controlMessage.encode(), true).join();
  }

  String output() {
    synchronized (output) {
      return output.toString();
    }
  }

  /** Waits until the output so far contains {@code text}; returns the output. */
  String awaitOutput(String text, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (output) {
      // search only what arrived since the last look (a flood would make a full search each time quadratic,
      // and the socket's listener waits for this lock)
      int from = 0;
      while (output.indexOf(text, from) < 0) {
        from = Math.max(0, output.length() - text.length() + 1);
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError("no '" + text + "' in the terminal within " + timeout + "; saw (the last 4000 chars):\n"
              + output.substring(Math.max(0, output.length() - 4000)));
        }
        output.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      }
      return output.toString();
    }
  }

  private static final java.util.regex.Pattern ANSI = java.util.regex.Pattern.compile("\u001B\\[[0-9;?]*[A-Za-z]|\u001B\\][^\u0007]*\u0007");

  /** The output as lines, terminal escape sequences and carriage returns taken out. */
  List<String> lines() {
    String plain = ANSI.matcher(output()).replaceAll("");
    return java.util.Arrays.stream(plain.split("\n")).map(l -> l.replace("\r", "").strip()).toList();
  }

  /** Waits until a whole output line reads exactly {@code line} (a command's output, not its echo). */
  void awaitLine(String line, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!lines().contains(line)) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("no line '" + line + "' in the terminal within " + timeout + "; saw:\n" + String.join("\n", lines()));
      }
      synchronized (output) {
        output.wait(Math.max(1, Math.min(200, TimeUnit.NANOSECONDS.toMillis(left))));
      }
    }
  }

  JsonObject awaitControl(Predicate<JsonObject> p, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Object lock = new Object();
    while (true) {
      for (JsonObject c : control) {
        if (p.test(c)) {
          return c;
        }
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no matching control frame within " + timeout + "; saw " + control);
      }
      synchronized (lock) {
        try {
          lock.wait(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError(e);
        }
      }
    }
  }

  JsonObject attached(Duration timeout) {
    return awaitControl(c -> "ready".equals(c.getString("type")), timeout);
  }

  List<JsonObject> controlFrames() {
    return control;
  }

  /** Waits until the server has closed the socket; fails after {@code timeout}. */
  void awaitClosed(Duration timeout) throws Exception {
    try {
      closedFuture.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("the server did not close the terminal socket within " + timeout, e);
    }
  }

  boolean isClosed() {
    return closed;
  }

  String closeReason() {
    return closeReason;
  }

  @Override
  public void close() {
    if (!closed) {
      ws.abort();
    }
  }
}
