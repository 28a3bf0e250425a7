package dev.opsbus.node;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The real browser client in the failover suite: vertx-eventbus.js over sockjs-client, run by Node
 * ({@code src/test/js/failover-client.js}), reconnecting and resyncing as the console's
 * {@code bus.js} does (its backoff, a draining node's {@code reconnectAfterMs}, and a register with
 * {@code headers.sinceSeq} set to the last seq seen). The live nodes' ports are written to its stdin
 * as they change (what a load balancer knows); every event it prints is kept here.
 */
final class EventBusJsResyncingClient implements FailoverClient {

  private static final Path SCRIPT = Path.of("src/test/js/failover-client.js");

  private final String name;
  private final Process process;
  private final OutputStream stdin;
  private final ScheduledExecutorService timer;
  private final List<Long> seqs = new ArrayList<>();
  private final List<Long> republished = new ArrayList<>();
  private final List<JsonObject> errs = new ArrayList<>();
  private final List<Long> reconnectMillis = new ArrayList<>();
  private final List<String> output = new ArrayList<>();
  private boolean connected;
  private long lastSeq;
  private String lastPorts = "";

  private EventBusJsResyncingClient(String name, Process process, Supplier<List<Integer>> nodes) {
    this.name = name;
    this.process = process;
    this.stdin = process.getOutputStream();
    Thread reader = new Thread(this::read, "js-" + name);
    reader.setDaemon(true);
    reader.start();
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "js-ports-" + name);
      t.setDaemon(true);
      return t;
    });
    timer.scheduleWithFixedDelay(() -> tellPorts(nodes.get()), 0, 250, TimeUnit.MILLISECONDS);
  }

  /** Starts the client on {@code port} over {@code transport} and waits until it is registered. */
  static EventBusJsResyncingClient connect(String name, String address, String token, int port, String transport,
      Supplier<List<Integer>> nodes) throws Exception {
    Process p = new ProcessBuilder("node", SCRIPT.toString(), name, token, address, String.valueOf(port), transport)
        .redirectErrorStream(true).start();
    EventBusJsResyncingClient c = new EventBusJsResyncingClient(name, p, nodes);
    c.awaitConnected(Duration.ofSeconds(60));
    return c;
  }

  private void tellPorts(List<Integer> ports) {
    String line = "ports " + String.join(",", ports.stream().map(String::valueOf).toList());
    if (line.equals(lastPorts) || !process.isAlive()) {
      return;
    }
    try {
      stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      stdin.flush();
      lastPorts = line;
    } catch (IOException e) {
      // the client ended: its output says why
    }
  }

  private void read() {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        event(line);
      }
    } catch (IOException e) {
      // the process ended
    }
    synchronized (this) {
      connected = false;
      notifyAll();
    }
  }

  private synchronized void event(String line) {
    if (output.size() < 2000) {
      output.add(line);
    }
    if (!line.startsWith("{")) {
      return;
    }
    JsonObject e = new JsonObject(line);
    switch (e.getString("ev", "")) {
      case "rec" -> {
        long seq = e.getLong("seq");
        seqs.add(seq);
        if (e.getBoolean("republished", false)) {
          republished.add(seq);
        }
        lastSeq = Math.max(lastSeq, seq);
      }
      case "open" -> {
        connected = true;
        if (e.getValue("reconnectMs") instanceof Number n) {
          reconnectMillis.add(n.longValue());
        }
      }
      case "close" -> connected = false;
      case "err" -> {
        if (e.getValue("err") instanceof JsonObject err) {
          errs.add(err);
        }
      }
      default -> {
      }
    }
    notifyAll();
  }

  private synchronized void awaitConnected(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!connected) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (left <= 0 || !process.isAlive()) {
        throw new AssertionError(name + ": vertx-eventbus.js did not connect within " + timeout + "; output:\n" + String.join("\n", output));
      }
      wait(Math.min(left, 100));
    }
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public synchronized List<Long> seqs() {
    return List.copyOf(seqs);
  }

  @Override
  public synchronized List<Long> republished() {
    return List.copyOf(republished);
  }

  @Override
  public synchronized List<Long> reconnectMillis() {
    return List.copyOf(reconnectMillis);
  }

  @Override
  public synchronized void awaitSeq(long seq, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (lastSeq < seq || !connected) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (left <= 0) {
        throw new AssertionError(name + ": saw seq " + lastSeq + " (connected: " + connected + "), not " + seq + " within " + timeout
            + "; last output:\n" + String.join("\n", output.subList(Math.max(0, output.size() - 20), output.size())));
      }
      wait(Math.min(left, 100));
    }
  }

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
    timer.shutdownNow();
    try {
      stdin.write("close\n".getBytes(StandardCharsets.UTF_8));
      stdin.flush();
    } catch (IOException e) {
      // already gone
    }
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
