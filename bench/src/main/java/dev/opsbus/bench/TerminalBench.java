package dev.opsbus.bench;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import net.schmizz.sshj.DefaultConfig;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.common.Buffer.PlainBuffer;
import net.schmizz.sshj.connection.channel.direct.Session;
import net.schmizz.sshj.transport.verification.HostKeyVerifier;
import org.HdrHistogram.Histogram;

/**
 * Terminal keystroke echo round trip, two paths to the same SSH server (a {@code DemoSshServer}:
 * MINA SSHD with a pty4j shell, on loopback):
 *
 * <ul>
 *   <li>{@code opsbus}: the browser's terminal WebSocket {@code /ws/terminal/{sid}} on the gateway, bus
 *       {@code ssh.session.<sid>.in}, the relay's sshj shell channel, the SSH server's pty, output coalesced
 *       by the relay, bus {@code ssh.session.<sid>.out}, gateway, WebSocket;</li>
 *   <li>{@code sshj}: sshj in this process straight to the SSH server, a pty shell channel.</li>
 * </ul>
 *
 * On both, the shell is switched to a raw pty running {@code cat}, so every byte typed comes back as
 * exactly one byte (echoed by a process, as a shell or an editor echoes), and the k-th byte out
 * answers the k-th byte in. One driver thread per measurement types a byte, waits (on a monitor)
 * for its echo, types the next; blocks of keystrokes alternate between the two paths so a change in
 * the machine's load hits both. Burst mode types {@code burstSize} bytes back to back and waits for
 * all their echoes. sshj runs on its own threads; nothing here blocks an event loop.
 */
final class TerminalBench {

  /** The relay's output coalescing (TerminalSession.FLUSH_DELAY_MS): reported beside the numbers. */
  static final double RELAY_FLUSH_DELAY_MS = 5;
  static final String HOST_ID = "bench-ssh";
  static final String SETUP = "stty raw -echo; echo RE''ADY; exec cat\r";
  static final byte[] ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".getBytes(StandardCharsets.US_ASCII);
  static final long WAIT_MS = 20_000;

  record Options(URI url, String user, String password, int sshPort, String sshUser, String sshPassword,
      String sshFingerprint, int keys, int warmup, int block, int bursts, int burstSize, int run, List<String> paths,
      int serverPid) {
  }

  /** One terminal to measure over: writes keystrokes, feeds its output to the tracker. */
  interface Path extends AutoCloseable {
    String name();

    EchoTracker tracker();

    void type(byte[] bytes) throws IOException;

    @Override
    void close();
  }

  private final Vertx vertx;
  private final Options o;

  TerminalBench(Vertx vertx, Options o) {
    this.vertx = vertx;
    this.o = o;
  }

  /** Runs the scenario; one row per path and mode goes to {@code rows}. */
  void run(Consumer<Map<String, Object>> rows) throws Exception {
    int capacity = o.warmup() + o.keys() + o.bursts() * o.burstSize() + 16;
    List<Path> paths = new ArrayList<>();
    ApiClient api = new ApiClient(vertx, o.url(), 4);
    try {
      for (String p : o.paths()) {
        switch (p) {
          case "opsbus" -> paths.add(openOpsbus(api, capacity));
          case "sshj" -> paths.add(openSshj(capacity));
          default -> throw new IllegalArgumentException("unknown terminal path '" + p + "' (opsbus, sshj)");
        }
      }
      for (Path p : paths) {
        p.type(SETUP.getBytes(StandardCharsets.US_ASCII));
        p.tracker().awaitReady(WAIT_MS);
      }
      Map<String, Histogram> single = new LinkedHashMap<>();
      Map<String, Histogram> burst = new LinkedHashMap<>();
      Map<String, Histogram> burstTotal = new LinkedHashMap<>();
      Map<String, int[]> typed = new LinkedHashMap<>();
      for (Path p : paths) {
        single.put(p.name(), histogram());
        burst.put(p.name(), histogram());
        burstTotal.put(p.name(), histogram());
        typed.put(p.name(), new int[1]);
      }
      // warm-up, not counted: the JIT on both sides, the first cat read
      for (Path p : paths) {
        typeOneAtATime(p, o.warmup(), null, typed.get(p.name()));
      }
      long cpu0 = o.serverPid() > 0 ? ProcStats.processCpuMicros(o.serverPid()) : -1;
      long t0 = System.nanoTime();
      // measured: blocks alternate between the paths
      for (int done = 0; done < o.keys(); done += o.block()) {
        int n = Math.min(o.block(), o.keys() - done);
        for (Path p : paths) {
          typeOneAtATime(p, n, single.get(p.name()), typed.get(p.name()));
        }
      }
      for (int b = 0; b < o.bursts(); b++) {
        for (Path p : paths) {
          typeBurst(p, o.burstSize(), burst.get(p.name()), burstTotal.get(p.name()), typed.get(p.name()));
        }
      }
      double elapsed = (System.nanoTime() - t0) / 1e9;
      // the node's CPU over the whole measurement (both paths: it idles while sshj direct is measured)
      double nodeCpu = cpu0 >= 0 ? (ProcStats.processCpuMicros(o.serverPid()) - cpu0) / 1e4 / elapsed : Double.NaN;
      for (Path p : paths) {
        rows.accept(row(p, "single", o.keys(), single.get(p.name()), null, elapsed, nodeCpu));
        if (o.bursts() > 0) {
          rows.accept(row(p, "burst", o.bursts() * o.burstSize(), burst.get(p.name()), burstTotal.get(p.name()), elapsed,
              nodeCpu));
        }
      }
    } finally {
      for (Path p : paths) {
        p.close();
      }
      await(api.close());
    }
  }

  private Map<String, Object> row(Path p, String mode, int keys, Histogram h, Histogram total, double elapsed,
      double nodeCpu) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("scenario", "terminal");
    r.put("run", o.run());
    r.put("path", p.name());
    r.put("mode", mode);
    r.put("keys", keys);
    r.put("burst_size", "burst".equals(mode) ? o.burstSize() : 1);
    r.put("p50_ms", ms(h.getValueAtPercentile(50)));
    r.put("p90_ms", ms(h.getValueAtPercentile(90)));
    r.put("p99_ms", ms(h.getValueAtPercentile(99)));
    r.put("p999_ms", ms(h.getValueAtPercentile(99.9)));
    r.put("max_ms", ms(h.getMaxValue()));
    r.put("mean_ms", h.getMean() / 1e6);
    r.put("burst_total_p50_ms", total == null ? Double.NaN : ms(total.getValueAtPercentile(50)));
    r.put("burst_total_p99_ms", total == null ? Double.NaN : ms(total.getValueAtPercentile(99)));
    r.put("mismatches", p.tracker().mismatches());
    r.put("relay_flush_delay_ms", RELAY_FLUSH_DELAY_MS);
    r.put("elapsed_s", elapsed);
    r.put("node_cpu_pct", nodeCpu);
    return r;
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  private static Histogram histogram() {
    return new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
  }

  private static void typeOneAtATime(Path p, int n, Histogram h, int[] typed) throws Exception {
    EchoTracker t = p.tracker();
    byte[] one = new byte[1];
    for (int i = 0; i < n; i++) {
      one[0] = ALPHABET[typed[0] % ALPHABET.length];
      int k = t.sending(one[0], System.nanoTime());
      p.type(one);
      typed[0]++;
      t.awaitEchoes(k + 1, WAIT_MS);
      if (h != null) {
        h.recordValue(t.roundTrip(k));
      }
    }
  }

  private static void typeBurst(Path p, int n, Histogram perKey, Histogram total, int[] typed) throws Exception {
    EchoTracker t = p.tracker();
    int first = -1;
    int last = -1;
    for (int i = 0; i < n; i++) {
      byte b = ALPHABET[typed[0] % ALPHABET.length];
      last = t.sending(b, System.nanoTime());
      if (first < 0) {
        first = last;
      }
      p.type(new byte[] {b});
      typed[0]++;
    }
    t.awaitEchoes(last + 1, WAIT_MS);
    for (int k = first; k <= last; k++) {
      perKey.recordValue(t.roundTrip(k));
    }
    total.recordValue(t.arrivedAt(last) - t.sentAt(first));
  }

  // ------------------------------------------------------------------ opsbus: the terminal WebSocket

  private Path openOpsbus(ApiClient api, int capacity) throws Exception {
    await(api.login(o.user(), o.password()));
    await(api.registerHost(HOST_ID, "127.0.0.1", o.sshPort(), o.sshUser(), o.sshPassword(), o.sshFingerprint()));
    ApiClient.Answer opened = await(api.call(HttpMethod.POST, "/api/hosts/" + HOST_ID + "/terminals",
        new JsonObject().put("cols", 120).put("rows", 40)));
    if (opened.status() != 201) {
      throw new IllegalStateException("opening a terminal answered " + opened.status() + ": " + opened.body());
    }
    String sid = opened.json().getString("sessionId");
    EchoTracker tracker = new EchoTracker(capacity);
    // a blocking client, as the sshj path: this thread writes to the socket, a reader thread reads
    CompletableFuture<JsonObject> ready = new CompletableFuture<>();
    BlockingWebSocket ws = BlockingWebSocket.open(o.url().getHost(), o.url().getPort(), "/ws/terminal/" + sid,
        List.of("Authorization: Bearer " + api.token()),
        tracker::onOutput,
        text -> {
          JsonObject c = new JsonObject(text);
          if ("ready".equals(c.getString("type"))) {
            ready.complete(c);
          } else if ("error".equals(c.getString("type")) || "closed".equals(c.getString("type"))) {
            tracker.onClosed(text);
            ready.completeExceptionally(new IllegalStateException("terminal socket: " + text));
          }
        },
        tracker::onClosed);
    JsonObject r = ready.get(WAIT_MS, TimeUnit.MILLISECONDS);
    if (!"driver".equals(r.getString("role"))) {
      throw new IllegalStateException("attached as " + r.getString("role") + ", not driver");
    }
    return new Path() {
      @Override
      public String name() {
        return "opsbus";
      }

      @Override
      public EchoTracker tracker() {
        return tracker;
      }

      @Override
      public void type(byte[] bytes) throws IOException {
        ws.writeBinary(bytes);
      }

      @Override
      public void close() {
        try {
          ws.close();
          await(api.call(HttpMethod.DELETE, "/api/terminals/" + sid, null));
        } catch (Exception e) {
          System.err.println("terminal: closing the opsbus terminal: " + e.getMessage());
        }
      }
    };
  }

  // ------------------------------------------------------------------ sshj straight to the SSH server

  private Path openSshj(int capacity) throws Exception {
    EchoTracker tracker = new EchoTracker(capacity);
    SSHClient ssh = new SSHClient(new DefaultConfig());
    String pinned = o.sshFingerprint();
    ssh.addHostKeyVerifier(new HostKeyVerifier() {
      @Override
      public boolean verify(String hostname, int port, PublicKey key) {
        return pinned != null && pinned.equals(fingerprint(key));
      }

      @Override
      public List<String> findExistingAlgorithms(String hostname, int port) {
        return List.of();
      }
    });
    ssh.connect("127.0.0.1", o.sshPort());
    ssh.authPassword(o.sshUser(), o.sshPassword());
    Session session = ssh.startSession();
    session.allocatePTY("xterm", 120, 40, 0, 0, Map.of());
    Session.Shell shell = session.startShell();
    OutputStream in = shell.getOutputStream();
    InputStream out = shell.getInputStream();
    Thread reader = new Thread(() -> {
      byte[] buf = new byte[8192];
      try {
        int n;
        while ((n = out.read(buf)) >= 0) {
          if (n > 0) {
            tracker.onOutput(java.util.Arrays.copyOf(buf, n), System.nanoTime());
          }
        }
        tracker.onClosed("the sshj shell channel ended");
      } catch (IOException e) {
        tracker.onClosed("sshj read failed: " + e.getMessage());
      }
    }, "sshj-echo-reader");
    reader.setDaemon(true);
    reader.start();
    return new Path() {
      @Override
      public String name() {
        return "sshj";
      }

      @Override
      public EchoTracker tracker() {
        return tracker;
      }

      @Override
      public void type(byte[] bytes) throws IOException {
        in.write(bytes);
        in.flush();
      }

      @Override
      public void close() {
        try {
          shell.close();
          session.close();
          ssh.disconnect();
        } catch (IOException e) {
          System.err.println("terminal: closing the sshj session: " + e.getMessage());
        }
      }
    };
  }

  static String fingerprint(PublicKey key) {
    byte[] blob = new PlainBuffer().putPublicKey(key).getCompactData();
    try {
      return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(MessageDigest.getInstance("SHA-256").digest(blob));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static <T> T await(io.vertx.core.Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(WAIT_MS, TimeUnit.MILLISECONDS);
  }
}
