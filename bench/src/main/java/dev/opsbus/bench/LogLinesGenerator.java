package dev.opsbus.bench;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The log-lines scenario's client side: browsers subscribed to the bench log address through the
 * opsbus bridge ({@code /eventbus/websocket}, the real frames). For each line rate and each mode
 * (batched, unbatched) it asks the server ({@code /bench/logs/start}) to produce lines, and counts,
 * per browser, the WebSocket frames and bytes that carried the lines scheduled in the measurement
 * window, the lines delivered, and each line's publish-to-receive latency from its stamp.
 *
 * <p>Call {@link #run} from a thread that is not a Vert.x event loop.
 */
public final class LogLinesGenerator implements AutoCloseable {

  /**
   * @param url the gateway, {@code ws://host:port}
   * @param controlUrl the bench server's control API
   * @param rates lines per second, one point per rate and mode
   * @param modes {@code batched} and/or {@code unbatched}, in the order to run them
   * @param primeSeconds before the first point, each mode runs this long at the highest rate, not
   *     measured, so that no point pays for the server's JIT compiling the paths (0: none)
   */
  public record Options(URI url, String controlUrl, String user, String password, String server, int run, int clients,
      List<Double> rates, List<String> modes, int size, double primeSeconds, double warmupSeconds,
      double durationSeconds, double drainSeconds, double pauseSeconds, long serverPid) {

    public Options {
      if (clients < 1 || rates.isEmpty() || modes.isEmpty() || !(durationSeconds > 0) || warmupSeconds < 0) {
        throw new IllegalArgumentException("need --clients >= 1, --rates, --modes, --duration > 0, --warmup >= 0");
      }
      for (String m : modes) {
        if (!m.equals("batched") && !m.equals("unbatched")) {
          throw new IllegalArgumentException("--modes takes batched and unbatched, not '" + m + "'");
        }
      }
      rates = List.copyOf(rates);
      modes = List.copyOf(modes);
    }
  }

  private final Vertx vertx;
  private final Options o;
  private final ControlClient control;
  private final WebSocketClient wsClient;
  private final List<WebSocket> sockets = new CopyOnWriteArrayList<>();
  private final LongAdder errors = new LongAdder();
  private final LongAdder disconnects = new LongAdder();
  private final AtomicReference<String> firstError = new AtomicReference<>();
  private volatile Window window;
  private volatile boolean closing;
  private long heartbeatTimer = -1;
  private long serverPid = -1;

  public LogLinesGenerator(Vertx vertx, Options options) {
    this.vertx = vertx;
    this.o = options;
    this.control = new ControlClient(vertx, options.controlUrl());
    this.wsClient = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(options.clients() + 10)
        .setConnectTimeout(30_000).setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 22));
  }

  /** Connects the browsers, then measures each rate in each mode. */
  public List<LogPointResult> run(Consumer<LogPointResult> onPoint) throws Exception {
    String token = await(control.login("http://" + o.url().getHost() + ":" + o.url().getPort() + "/api/login",
        o.user(), o.password()));
    JsonObject stats = await(control.logStats());
    serverPid = o.serverPid() > 0 ? o.serverPid() : stats.getLong("pid", -1L);
    long before = System.nanoTime();
    long server = await(control.clock()).getLong("nanos");
    if (server < before - 1_000_000 || server > System.nanoTime() + 1_000_000) {
      throw new IllegalStateException("the server's monotonic clock is not this machine's: latencies would be meaningless");
    }
    String register = new JsonObject().put("type", "register").put("address", LogLinePublisher.ADDRESS)
        .put("headers", new JsonObject().put("authorization", "Bearer " + token)).encode();
    List<Future<WebSocket>> connects = new ArrayList<>();
    for (int i = 0; i < o.clients(); i++) {
      connects.add(wsClient.connect(new WebSocketConnectOptions().setHost(o.url().getHost()).setPort(o.url().getPort())
          .setURI("/eventbus/websocket")).onSuccess(ws -> setUp(ws, register)));
    }
    await(Future.all(connects), 60);
    // the gateway counts a subscription once it has handled the register frame
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline && await(control.stats(false)).getInteger("clients", 0) < sockets.size()) {
      await(timer(0.1));
    }
    String ping = new JsonObject().put("type", "ping").encode();
    heartbeatTimer = vertx.setPeriodic(OpsbusProtocol.PING_MILLIS, id -> sockets.forEach(ws -> ws.writeTextMessage(ping)));

    if (o.primeSeconds() > 0) {
      double top = o.rates().stream().mapToDouble(Double::doubleValue).max().orElseThrow();
      for (String mode : o.modes()) {
        await(control.logStart(top, o.size(), o.primeSeconds(), mode.equals("batched")));
        await(timer(o.primeSeconds() + 0.3));
      }
    }
    List<LogPointResult> results = new ArrayList<>();
    for (double rate : o.rates()) {
      for (String mode : o.modes()) {
        LogPointResult r = measure(rate, mode.equals("batched"));
        results.add(r);
        onPoint.accept(r);
        await(timer(o.pauseSeconds()));
      }
    }
    return results;
  }

  private void setUp(WebSocket ws, String register) {
    sockets.add(ws);
    ws.handler(this::onFrame);
    ws.exceptionHandler(e -> firstError.compareAndSet(null, "socket: " + e.getMessage()));
    ws.closeHandler(v -> {
      sockets.remove(ws);
      if (!closing) {
        disconnects.increment();
      }
    });
    ws.writeTextMessage(register);
  }

  /** Bytes of the WebSocket frame header for a server-to-client (unmasked) frame of this payload. */
  static int headerBytes(int payload) {
    return payload < 126 ? 2 : payload <= 0xFFFF ? 4 : 10;
  }

  private void onFrame(Buffer data) {
    long now = System.nanoTime();
    Window w = window;
    byte[] bytes = data.getBytes();
    String type = null;
    String address = null;
    List<Long> stamps = new ArrayList<>(16);
    try (JsonParser p = StampParser.JSON.createParser(bytes)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        errors.increment();
        firstError.compareAndSet(null, "frame is not a JSON object");
        return;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (name.equals("type")) {
          type = p.getText();
        } else if (name.equals("address")) {
          address = p.getText();
        } else if (name.equals("body") && value == JsonToken.START_OBJECT) {
          readLines(p, stamps);
        } else {
          p.skipChildren();
        }
      }
    } catch (IOException e) {
      errors.increment();
      firstError.compareAndSet(null, "invalid frame: " + e.getMessage());
      return;
    }
    if ("err".equals(type)) {
      errors.increment();
      firstError.compareAndSet(null, "err frame: " + new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
      return;
    }
    if (!"rec".equals(type) || !LogLinePublisher.ADDRESS.equals(address) || w == null) {
      return;
    }
    w.record(stamps, bytes.length, now);
  }

  /** The body's {@code lines}: the stamp of each (other fields skipped). */
  private static void readLines(JsonParser p, List<Long> stamps) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      if (name.equals("lines") && value == JsonToken.START_ARRAY) {
        while (p.nextToken() == JsonToken.VALUE_STRING) {
          stamps.add(LogLinePublisher.stampOf(p.getText()));
        }
      } else {
        p.skipChildren();
      }
    }
  }

  /** Frames and lines of one point: lines scheduled in [start, end); a frame counts when its first line does. */
  static final class Window {
    final long start;
    final long end;
    final Recorder recorder = new Recorder(LoadGenerator.MAX_LATENCY_MICROS, 3);
    final LongAdder frames = new LongAdder();
    final LongAdder payloadBytes = new LongAdder();
    final LongAdder wireBytes = new LongAdder();
    final LongAdder lines = new LongAdder();
    final LongAdder negative = new LongAdder();

    Window(long start, long end) {
      this.start = start;
      this.end = end;
    }

    void record(List<Long> stamps, int payload, long now) {
      if (stamps.isEmpty()) {
        return;
      }
      long first = stamps.get(0);
      if (first >= start && first < end) {
        frames.increment();
        payloadBytes.add(payload);
        wireBytes.add(payload + headerBytes(payload));
      }
      for (long t : stamps) {
        if (t < start || t >= end) {
          continue;
        }
        long latency = now - t;
        if (latency < 0) {
          negative.increment();
          latency = 0;
        }
        recorder.recordValue(Math.min(LoadGenerator.MAX_LATENCY_MICROS, latency / 1000));
        lines.increment();
      }
    }
  }

  private LogPointResult measure(double rate, boolean batched) throws Exception {
    long errors0 = errors.sum();
    long disconnects0 = disconnects.sum();
    int clients = sockets.size();
    double total = o.warmupSeconds() + o.durationSeconds();
    JsonObject started = await(control.logStart(rate, o.size(), total, batched));
    long t0 = started.getLong("t0");
    long start = t0 + (long) (o.warmupSeconds() * 1e9);
    long end = t0 + (long) (total * 1e9);
    Window w = new Window(start, end);
    window = w;
    int genCore = ProcStats.pinnedCore(ProcStats.selfPid());
    await(timer(Math.max(0, start - System.nanoTime()) / 1e9));
    long wall0 = System.nanoTime();
    long cpu0 = ProcStats.processCpuMicros(serverPid);
    ProcStats.CoreTimes gen0 = ProcStats.coreTimes(genCore);
    await(timer(Math.max(0, end - System.nanoTime()) / 1e9));
    long wall = System.nanoTime() - wall0;
    long cpu = ProcStats.processCpuMicros(serverPid) - cpu0;
    double genBusy = genCore >= 0 ? ProcStats.coreTimes(genCore).busyFractionSince(gen0) : Double.NaN;
    // the last batch of the window leaves up to 100 ms after its first line: drain until quiet
    long drainDeadline = System.nanoTime() + (long) (o.drainSeconds() * 1e9);
    long last = -1;
    while (System.nanoTime() < drainDeadline) {
      long now = w.lines.sum();
      if (now == last) {
        break;
      }
      last = now;
      await(timer(0.3));
    }
    window = null;
    JsonObject stats = await(control.logStats());
    if (stats.getBoolean("running", false)) {
      await(control.logStop());
    }
    long expected = LoadGenerator.countScheduled(rate, t0, start, end, Long.MAX_VALUE);
    Histogram h = w.recorder.getIntervalHistogram();
    boolean any = h.getTotalCount() > 0;
    return new LogPointResult("logs", o.server(), o.run(), batched ? "batched" : "unbatched",
        started.getInteger("maxLines"), started.getLong("maxWaitMs"), o.clients(), clients, rate, o.size(),
        o.warmupSeconds(), o.durationSeconds(), expected, w.lines.sum(), w.frames.sum(), w.payloadBytes.sum(),
        w.wireBytes.sum(), stats.getLong("messages", 0L), stats.getLong("linesPublished", 0L),
        stats.getLong("linesDropped", 0L), stats.getDouble("maxLagMs", 0.0),
        any ? h.getValueAtPercentile(50) / 1000.0 : Double.NaN, any ? h.getValueAtPercentile(99) / 1000.0 : Double.NaN,
        any ? h.getValueAtPercentile(99.9) / 1000.0 : Double.NaN, any ? h.getMaxValue() / 1000.0 : Double.NaN,
        cpu < 0 ? Double.NaN : 100.0 * cpu / (wall / 1e3),
        cpu < 0 || w.lines.sum() == 0 ? Double.NaN : (double) cpu / (w.lines.sum() / (double) Math.max(1, clients)),
        100 * genBusy, errors.sum() - errors0, disconnects.sum() - disconnects0, w.negative.sum(), firstError.get());
  }

  private Future<Void> timer(double seconds) {
    Promise<Void> p = Promise.promise();
    vertx.setTimer(Math.max(1, (long) (seconds * 1000)), id -> p.complete());
    return p.future();
  }

  private static <T> T await(Future<T> f) throws Exception {
    return await(f, 120);
  }

  private static <T> T await(Future<T> f, double timeoutSeconds) throws Exception {
    return BenchAwait.await(f, timeoutSeconds, "the log-lines generator");
  }

  @Override
  public void close() throws Exception {
    closing = true;
    if (heartbeatTimer >= 0) {
      vertx.cancelTimer(heartbeatTimer);
    }
    List<Future<Void>> closes = new ArrayList<>();
    sockets.forEach(ws -> closes.add(ws.close()));
    try {
      await(Future.join(closes), 30);
    } catch (Exception e) {
      // best effort
    }
    await(wsClient.close(), 30);
    await(control.close(), 10);
  }
}
