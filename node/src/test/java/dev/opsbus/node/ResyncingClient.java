package dev.opsbus.node;

import dev.opsbus.model.Republished;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A script's raw-WebSocket bridge client that does what a good client does when its node goes
 * away: it watches one address with history ({@code ops.updates.host.<id>}), pings every 5 s,
 * and when its socket closes it reconnects to a node the load balancer would pick ({@code nodes}),
 * after the {@code reconnectAfterMs} a draining node named, and registers again with
 * {@code headers.sinceSeq} set to the last change it saw. Everything it received is kept to check
 * that nothing was missed or doubled.
 */
final class ResyncingClient implements FailoverClient {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final long NO_SEQ = 0;

  private final String name;
  private final String address;
  private final String token;
  private final Supplier<List<Integer>> nodes;
  private final ScheduledExecutorService timer;
  /** Every change received, by seq, in the order received. */
  private final List<Long> seqs = new ArrayList<>();
  private final List<Long> republished = new ArrayList<>();
  private final List<JsonObject> errs = new ArrayList<>();
  private final List<Long> reconnectMillis = new ArrayList<>();
  private volatile WebSocket ws;
  private volatile int port;
  private volatile long lastSeq = NO_SEQ;
  private volatile long droppedAt;
  private volatile boolean closed;
  private int next;

  private ResyncingClient(String name, String address, String token, Supplier<List<Integer>> nodes) {
    this.name = name;
    this.address = address;
    this.token = token;
    this.nodes = nodes;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "client-" + name);
      t.setDaemon(true);
      return t;
    });
    timer.scheduleAtFixedRate(this::ping, 5, 5, TimeUnit.SECONDS);
  }

  /** Connects to {@code port} and replays everything since seq 0. */
  static ResyncingClient connect(String name, String address, String token, int port, Supplier<List<Integer>> nodes) throws Exception {
    ResyncingClient c = new ResyncingClient(name, address, token, nodes);
    c.open(port).get(20, TimeUnit.SECONDS);
    return c;
  }

  private java.util.concurrent.CompletableFuture<WebSocket> open(int target) {
    port = target;
    return HTTP.newWebSocketBuilder().header("Authorization", "Bearer " + token)
        .buildAsync(URI.create("ws://127.0.0.1:" + target + "/eventbus/websocket"), new Listener())
        .thenApply(socket -> {
          ws = socket;
          socket.sendText(new JsonObject().put("type", "register").put("address", address)
              .put("headers", new JsonObject().put("sinceSeq", lastSeq)).encode(), true);
          if (droppedAt > 0) {
            synchronized (this) {
              reconnectMillis.add(System.currentTimeMillis() - droppedAt);
            }
            droppedAt = 0;
          }
          return socket;
        });
  }

  private void ping() {
    WebSocket s = ws;
    if (s != null && !s.isOutputClosed()) {
      s.sendText("{\"type\":\"ping\"}", true);
    }
  }

  private void dropped(long delayMs) {
    if (closed) {
      return;
    }
    ws = null;
    if (droppedAt == 0) {
      droppedAt = System.currentTimeMillis();
    }
    timer.schedule(this::reconnect, delayMs, TimeUnit.MILLISECONDS);
  }

  private void reconnect() {
    if (closed) {
      return;
    }
    List<Integer> live = nodes.get().stream().filter(p -> p != port).toList();
    if (live.isEmpty()) {
      live = nodes.get();
    }
    int target = live.get(Math.floorMod(next++, live.size()));
    open(target).whenComplete((s, err) -> {
      if (err != null) {
        dropped(200);
      }
    });
  }

  private final class Listener implements WebSocket.Listener {

    private final StringBuilder partial = new StringBuilder();
    private long reconnectAfterMs = 200;

    @Override
    public void onOpen(WebSocket webSocket) {
      webSocket.request(Long.MAX_VALUE);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        JsonObject f = new JsonObject(partial.toString());
        partial.setLength(0);
        if ("rec".equals(f.getString("type")) && address.equals(f.getString("address"))) {
          Object seq = f.getJsonObject("body").getValue("seq");
          if (seq instanceof Number n) {
            synchronized (ResyncingClient.this) {
              if (f.getJsonObject("headers") != null && f.getJsonObject("headers").containsKey(Republished.HEADER)) {
                republished.add(n.longValue());
              }
              seqs.add(n.longValue());
              lastSeq = Math.max(lastSeq, n.longValue());
              ResyncingClient.this.notifyAll();
            }
          }
        } else if ("err".equals(f.getString("type"))) {
          synchronized (ResyncingClient.this) {
            errs.add(f);
            ResyncingClient.this.notifyAll();
          }
          if (f.getValue("reconnectAfterMs") instanceof Number n) {
            reconnectAfterMs = n.longValue();
          }
        }
      }
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      dropped(reconnectAfterMs);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      dropped(reconnectAfterMs);
    }
  }

  @Override
  public String name() {
    return name;
  }

  int port() {
    return port;
  }

  boolean connected() {
    return ws != null;
  }

  @Override
  public synchronized List<Long> seqs() {
    return List.copyOf(seqs);
  }

  synchronized List<JsonObject> errs() {
    return List.copyOf(errs);
  }

  @Override
  public synchronized List<Long> republished() {
    return List.copyOf(republished);
  }

  @Override
  public synchronized List<Long> reconnectMillis() {
    return List.copyOf(reconnectMillis);
  }

  /** Waits until this client is connected and has seen {@code seq} (or a later change). */
  @Override
  public synchronized void awaitSeq(long seq, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (lastSeq < seq || ws == null) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (left <= 0) {
        throw new AssertionError(name + ": saw seq " + lastSeq + " (connected: " + (ws != null) + "), not " + seq + " within " + timeout);
      }
      wait(Math.min(left, 100));
    }
  }

  /** Waits for an err frame whose {@code failureType} is {@code type}. */
  @Override
  public synchronized JsonObject awaitErr(String type, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      for (JsonObject e : errs) {
        if (type.equals(e.getString("failureType"))) {
          return e;
        }
      }
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (left <= 0) {
        throw new AssertionError(name + ": no err frame " + type + " within " + timeout + "; got " + errs);
      }
      wait(Math.min(left, 100));
    }
  }

  @Override
  public void close() {
    closed = true;
    timer.shutdownNow();
    WebSocket s = ws;
    if (s != null) {
      s.abort();
    }
  }
}
