package dev.opsbus.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The load generator: opens all client WebSockets first, then for each offered load asks the server
 * to publish (bench control API), and measures publish-to-receive latency from the stamp each
 * message carries, deliveries against what was offered and published, errors, disconnects, and CPU
 * of the server process, the server's core and the generator's own core. The sockets are opened by a
 * {@link SubscriberClient}: {@link NettySubscriberClient} unless asked otherwise.
 *
 * <p>Call {@link #runFanout} or {@link #runIdle} from a thread that is not a Vert.x event loop: the
 * run waits for its steps in order.
 */
public final class LoadGenerator implements AutoCloseable {

  /** Highest latency the histogram tracks, in microseconds (60 s); larger values are clamped. */
  static final long MAX_LATENCY_MICROS = 60_000_000L;

  private final Vertx vertx;
  private final LoadOptions o;
  private final ControlClient control;
  private final SubscriberClient.Kind clientKind;
  private final int clientThreads;
  private SubscriberClient client;
  private WireProtocol protocol;

  private final List<SubscriberClient.ClientSocket> sockets = new CopyOnWriteArrayList<>();
  private final LongAdder errors = new LongAdder();
  private final LongAdder invalid = new LongAdder();
  private final LongAdder disconnects = new LongAdder();
  private final LongAdder connectFailures = new LongAdder();
  private final LongAdder ready = new LongAdder();
  /** Every delivery received, in a window or not: the generator's CPU per delivery divides by it. */
  private final LongAdder received = new LongAdder();
  private final AtomicReference<String> firstError = new AtomicReference<>();
  private volatile Window window;
  private volatile boolean closing;
  private long serverPid = -1;
  private long heartbeatTimer = -1;

  /** A generator on the Netty client with one I/O thread. */
  public LoadGenerator(Vertx vertx, LoadOptions options) {
    this(vertx, options, SubscriberClient.Kind.NETTY, 1);
  }

  /**
   * @param clientKind which subscriber client opens the sockets
   * @param clientThreads I/O threads of the Netty client (the generator is pinned to one core: 1)
   */
  LoadGenerator(Vertx vertx, LoadOptions options, SubscriberClient.Kind clientKind, int clientThreads) {
    this.vertx = vertx;
    this.o = options;
    this.control = new ControlClient(vertx, options.controlUrl());
    this.clientKind = clientKind;
    this.clientThreads = clientThreads;
  }

  /** The subscriber client in use, for the log. */
  public String clientDescription() {
    return client == null ? clientKind.name().toLowerCase(java.util.Locale.ROOT) : client.describe();
  }

  private static int maxIdleStep(LoadOptions o) {
    return o.idleSteps().stream().mapToInt(Integer::intValue).max().orElse(0);
  }

  // ---------------------------------------------------------------- the two scenarios

  /** Connects {@code clients}, then measures one point per offered load. */
  public List<PointResult> runFanout(Consumer<PointResult> onPoint) throws Exception {
    prepare();
    connectUpTo(o.clients());
    if (o.prewarmSeconds() > 0 && !o.loads().isEmpty()) {
      prewarm(o.loads().get(0));
    }
    List<PointResult> results = new ArrayList<>();
    int failuresInARow = 0;
    for (double load : o.loads()) {
      PointResult r = measurePoint(load);
      results.add(r);
      onPoint.accept(r);
      failuresInARow = r.passed() || r.generatorOverloaded() ? 0 : failuresInARow + 1;
      if (o.stopAfterFailures() > 0 && failuresInARow >= o.stopAfterFailures()) {
        break;
      }
      await(timer(o.pauseSeconds()));
    }
    return results;
  }

  /** Opens idle connections step by step and reads the server's memory at each step. */
  public List<IdleResult> runIdle(Consumer<IdleResult> onStep) throws Exception {
    prepare();
    List<IdleResult> results = new ArrayList<>();
    for (int step : o.idleSteps()) {
      connectUpTo(step);
      await(timer(o.settleSeconds()));
      JsonObject stats = await(control.stats(true));
      // settle again after the collection so RSS reflects what the collector gave back
      await(timer(0.5));
      long rss = ProcStats.rssBytes(serverPid);
      if (rss < 0) {
        rss = stats.getLong("rssBytes", -1L);
      }
      IdleResult r = new IdleResult(o.server(), o.protocol(), o.run(), step, sockets.size(), rss,
          stats.getLong("heapUsedBytes", -1L), errors.sum() + invalid.sum(), disconnects.sum());
      results.add(r);
      onStep.accept(r);
    }
    return results;
  }

  private void prepare() throws Exception {
    String token = null;
    if ("opsbus".equals(o.protocol()) || "sockjs".equals(o.protocol())) {
      String loginUrl = o.loginUrl() != null ? o.loginUrl()
          : "http://" + o.url().getHost() + ":" + o.url().getPort() + "/api/login";
      token = await(control.login(loginUrl, o.user(), o.password()));
    }
    protocol = WireProtocol.named(o.protocol(), o.address(), token);
    client = clientKind == SubscriberClient.Kind.NETTY
        ? new NettySubscriberClient(protocol, clientThreads)
        : new VertxSubscriberClient(vertx, protocol, Math.max(o.clients(), maxIdleStep(o)) + 100);
    JsonObject stats = await(control.stats(false));
    serverPid = o.serverPid() > 0 ? o.serverPid() : stats.getLong("pid", -1L);
    checkClock();
    if (protocol.heartbeatMillis() > 0) {
      startHeartbeats(protocol.heartbeatMillis());
    }
  }

  /**
   * The stamp is the server's monotonic clock read by this process: check that the server's clock
   * reading falls between two of ours, as it does when both read CLOCK_MONOTONIC.
   */
  private void checkClock() throws Exception {
    long before = System.nanoTime();
    long server = await(control.clock()).getLong("nanos");
    long after = System.nanoTime();
    if (server < before - 1_000_000 || server > after + 1_000_000) {
      throw new IllegalStateException("the server's monotonic clock (" + server + ") is not this machine's ("
          + before + " .. " + after + "): latencies would be meaningless");
    }
  }

  // ---------------------------------------------------------------- connections

  private void connectUpTo(int target) throws Exception {
    int missing = target - sockets.size();
    if (missing > 0) {
      Promise<Void> done = Promise.promise();
      AtomicInteger settled = new AtomicInteger();
      long startNanos = System.nanoTime();
      int[] issued = {0};
      vertx.setPeriodic(0, 10, id -> {
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        int due = (int) Math.min(missing, Math.floor(elapsed * o.connectRate()) + 1);
        for (; issued[0] < due; issued[0]++) {
          connectOne().onComplete(ar -> {
            if (settled.incrementAndGet() == missing) {
              done.tryComplete();
            }
          });
        }
        if (issued[0] >= missing) {
          vertx.cancelTimer(id);
        }
      });
      await(done.future(), missing / o.connectRate() + 60);
    }
    // wait until every open socket is subscribed (Socket.IO acknowledges its namespace connect)
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (ready.sum() < sockets.size() && System.nanoTime() < deadline) {
      await(timer(0.05));
    }
    // and until the server counts them (it may see the upgrade a moment after the client does)
    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline && await(control.stats(false)).getInteger("clients", 0) < sockets.size()) {
      await(timer(0.1));
    }
  }

  private Future<SubscriberClient.ClientSocket> connectOne() {
    Subscriber sub = new Subscriber();
    return client.connect(o.url().getHost(), o.url().getPort(), protocol.path(), sub).onSuccess(sub::opened).onFailure(e -> {
      connectFailures.increment();
      firstError.compareAndSet(null, "connect: " + e.getMessage());
    });
  }

  /** One client connection's state and events, on the client's I/O thread. */
  private final class Subscriber implements SubscriberClient.Events {
    private SubscriberClient.ClientSocket socket;
    private boolean isReady;
    private boolean closed;

    void opened(SubscriberClient.ClientSocket s) {
      synchronized (this) {
        if (closed) {
          return;
        }
        socket = s;
      }
      sockets.add(s);
      for (String frame : protocol.onOpen()) {
        s.writeText(frame);
      }
      if (protocol.readyOnOpen()) {
        markReady();
      }
    }

    private synchronized void markReady() {
      if (!isReady) {
        isReady = true;
        ready.increment();
      }
    }

    @Override
    public void delivery(long t, long now) {
      received.increment();
      Window w = window;
      if (w != null) {
        w.record(t, now);
      }
    }

    @Override
    public void frame(SubscriberClient.ClientSocket s, WireProtocol.Frame f) {
      onFrame(s, f, this);
    }

    @Override
    public void error(String message) {
      firstError.compareAndSet(null, "socket: " + message);
    }

    @Override
    public void closed() {
      SubscriberClient.ClientSocket s;
      boolean wasReady;
      synchronized (this) {
        closed = true;
        s = socket;
        wasReady = isReady;
      }
      if (s != null) {
        sockets.remove(s);
      }
      if (wasReady) {
        ready.decrement();
      }
      if (!closing) {
        disconnects.increment();
      }
    }
  }

  private void onFrame(SubscriberClient.ClientSocket ws, WireProtocol.Frame f, Subscriber sub) {
    switch (f.kind()) {
      case DELIVERY -> sub.delivery(f.t(), System.nanoTime());
      case REPLY -> ws.writeText(f.reply());
      case READY -> sub.markReady();
      case ERROR -> {
        errors.increment();
        firstError.compareAndSet(null, f.detail());
      }
      case INVALID -> {
        invalid.increment();
        firstError.compareAndSet(null, "invalid frame: " + f.detail());
      }
      default -> {
      }
    }
  }

  /** Spreads the protocol's heartbeats over its interval in 100 ms slices. */
  private void startHeartbeats(long intervalMillis) {
    long slices = Math.max(1, intervalMillis / 100);
    long[] slice = {0};
    String frame = protocol.heartbeat();
    heartbeatTimer = vertx.setPeriodic(100, id -> {
      long s = slice[0]++ % slices;
      int i = 0;
      for (SubscriberClient.ClientSocket ws : sockets) {
        if (i++ % slices == s) {
          ws.writeText(frame);
        }
      }
    });
  }

  // ---------------------------------------------------------------- one measured point

  /** The server publishes at {@code load} for the prewarm time; nothing is measured. */
  private void prewarm(double load) throws Exception {
    JsonObject started = await(control.start(o.rateFor(load), o.size(), o.prewarmSeconds()));
    await(timerUntil(started.getLong("t0") + (long) ((o.prewarmSeconds() + 0.5) * 1e9)));
    JsonObject stats = await(control.stats(false));
    if (stats.getBoolean("running", false)) {
      await(control.stop());
    }
    await(timer(o.pauseSeconds()));
  }

  private PointResult measurePoint(double load) throws Exception {
    double rate = o.rateFor(load);
    double total = o.warmupSeconds() + o.durationSeconds();
    long errors0 = errors.sum();
    long invalid0 = invalid.sum();
    long disconnects0 = disconnects.sum();
    long connectFailures0 = connectFailures.sum();
    int clients = sockets.size();

    JsonObject started = await(control.start(rate, o.size(), total));
    long t0 = started.getLong("t0");
    long windowStart = t0 + (long) (o.warmupSeconds() * 1e9);
    long windowEnd = t0 + (long) (total * 1e9);
    Window w = new Window(windowStart, windowEnd, (int) Math.ceil(o.durationSeconds() + o.drainSeconds()) + 2);
    window = w;

    int serverCore = ProcStats.pinnedCore(serverPid);
    int genCore = ProcStats.pinnedCore(ProcStats.selfPid());
    await(timerUntil(windowStart));
    long wallStart = System.nanoTime();
    long serverCpu0 = ProcStats.processCpuMicros(serverPid);
    long selfCpu0 = ProcStats.processCpuMicros(ProcStats.selfPid());
    long received0 = received.sum();
    ProcStats.CoreTimes serverCoreT0 = ProcStats.coreTimes(serverCore);
    ProcStats.CoreTimes genCoreT0 = ProcStats.coreTimes(genCore);
    LoopLagProbe lag = client.loopLag();
    if (lag != null) {
      lag.reset();
    }

    await(timerUntil(windowEnd));
    Histogram lagH = lag == null ? null : lag.interval();
    double lagP99 = lagH == null || lagH.getTotalCount() == 0 ? Double.NaN : lagH.getValueAtPercentile(99) / 1000.0;
    double lagMax = lagH == null || lagH.getTotalCount() == 0 ? Double.NaN : lagH.getMaxValue() / 1000.0;
    long wallWindow = System.nanoTime() - wallStart;
    long serverCpuWindow = ProcStats.processCpuMicros(serverPid) - serverCpu0;
    long selfCpuWindow = ProcStats.processCpuMicros(ProcStats.selfPid()) - selfCpu0;
    double serverCoreBusy = serverCore < 0 ? Double.NaN : ProcStats.coreTimes(serverCore).busyFractionSince(serverCoreT0);
    double genBusy = genCore >= 0 ? ProcStats.coreTimes(genCore).busyFractionSince(genCoreT0)
        : selfCpuWindow / (wallWindow / 1e3);

    // drain: in-window messages may still be on their way; stop when none arrived for 300 ms
    long drainDeadline = System.nanoTime() + (long) (o.drainSeconds() * 1e9);
    long lastCount = -1;
    while (System.nanoTime() < drainDeadline) {
      long count = w.delivered.sum();
      if (count == lastCount) {
        break;
      }
      lastCount = count;
      await(timer(0.3));
    }
    window = null;
    long serverCpuAll = ProcStats.processCpuMicros(serverPid) - serverCpu0;
    long selfCpuAll = ProcStats.processCpuMicros(ProcStats.selfPid()) - selfCpu0;
    long receivedAll = received.sum() - received0;
    ProcStats.CoreTimes serverCoreEnd = ProcStats.coreTimes(serverCore);

    JsonObject stats = await(control.stats(false));
    if (stats.getBoolean("running", false)) {
      await(control.stop());
    }
    long published = stats.getLong("published", 0L);
    long expectedOffered = countScheduled(rate, t0, windowStart, windowEnd, Long.MAX_VALUE);
    long publishedInWindow = countScheduled(rate, t0, windowStart, windowEnd, published);
    long scheduledTotal = countScheduled(rate, t0, t0, windowEnd, Long.MAX_VALUE);
    boolean rateHeld = published >= 0.99 * scheduledTotal;

    Histogram h = w.recorder.getIntervalHistogram();
    long delivered = w.delivered.sum();
    double deliveredPct = pct(delivered, (long) clients * expectedOffered);
    double deliveredPctPublished = pct(delivered, (long) clients * publishedInWindow);
    double p50 = h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(50) / 1000.0;
    double p99 = h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(99) / 1000.0;
    double p999 = h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(99.9) / 1000.0;
    double max = h.getTotalCount() == 0 ? Double.NaN : h.getMaxValue() / 1000.0;
    long[] perSecond = w.fullSeconds((int) Math.floor(o.durationSeconds()));
    long errorsHere = errors.sum() - errors0;
    long invalidHere = invalid.sum() - invalid0;
    long disconnectsHere = disconnects.sum() - disconnects0;
    boolean overloaded = genBusy * 100 > o.maxGeneratorBusy() || lagP99 > o.maxGeneratorLagMs();
    boolean passed = deliveredPct >= 99 && rateHeld && p99 < o.p99LimitMs() && errorsHere == 0 && invalidHere == 0
        && !overloaded;
    long coreJiffies = serverCore < 0 ? -1 : serverCoreEnd.busy() - serverCoreT0.busy();
    return new PointResult(o.scenario(), o.server(), o.protocol(), o.run(), o.clients(), clients, rate, load, o.size(),
        o.warmupSeconds(), o.durationSeconds(), expectedOffered, publishedInWindow, delivered, deliveredPct,
        deliveredPctPublished, stats.getDouble("achievedRate", 0.0), rateHeld, stats.getDouble("maxLagMs", 0.0),
        p50, p99, p999, max, h.getTotalCount(), min(perSecond), median(perSecond), errorsHere, invalidHere,
        disconnectsHere, connectFailures.sum() - connectFailures0, w.negative.sum(),
        serverCpuWindow < 0 ? Double.NaN : 100.0 * serverCpuWindow / (wallWindow / 1e3),
        100 * serverCoreBusy,
        serverCpuAll < 0 || delivered == 0 ? Double.NaN : (double) serverCpuAll / delivered,
        coreJiffies < 0 || delivered == 0 ? Double.NaN
            : coreJiffies * (1_000_000.0 / ProcStats.CLOCK_TICKS_PER_SECOND) / delivered,
        100 * genBusy, 100.0 * selfCpuWindow / (wallWindow / 1e3), overloaded, ProcStats.rssBytes(serverPid), passed, firstError.get(),
        selfCpuAll < 0 || receivedAll == 0 ? Double.NaN : (double) selfCpuAll / receivedAll, lagP99, lagMax);
  }

  /** How many of the first {@code limit} messages the server schedules in [from, to). */
  static long countScheduled(double rate, long t0, long from, long to, long limit) {
    long count = 0;
    for (long seq = 0; seq < limit; seq++) {
      long t = t0 + (long) Math.floor(seq * 1e9 / rate);
      if (t >= to) {
        break;
      }
      if (t >= from) {
        count++;
      }
    }
    return count;
  }

  private static double pct(long part, long whole) {
    return whole <= 0 ? Double.NaN : 100.0 * part / whole;
  }

  private static double min(long[] values) {
    return values.length == 0 ? Double.NaN : Arrays.stream(values).min().getAsLong();
  }

  private static double median(long[] values) {
    if (values.length == 0) {
      return Double.NaN;
    }
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
  }

  /** The measurement window of one point: messages scheduled in [start, end). */
  static final class Window {
    final long start;
    final long end;
    final Recorder recorder = new Recorder(MAX_LATENCY_MICROS, 3);
    final LongAdder delivered = new LongAdder();
    final LongAdder negative = new LongAdder();
    final AtomicLongArray perSecond;

    Window(long start, long end, int seconds) {
      this.start = start;
      this.end = end;
      this.perSecond = new AtomicLongArray(seconds);
    }

    void record(long t, long now) {
      if (t < start || t >= end) {
        return; // warm-up, or a later point
      }
      long latency = now - t;
      if (latency < 0) {
        negative.increment();
        latency = 0;
      }
      recorder.recordValue(Math.min(MAX_LATENCY_MICROS, latency / 1000));
      delivered.increment();
      int second = (int) ((now - start) / 1_000_000_000L);
      if (second >= 0 && second < perSecond.length()) {
        perSecond.incrementAndGet(second);
      }
    }

    /** Deliveries received in each of the first {@code n} whole seconds of the window. */
    long[] fullSeconds(int n) {
      long[] out = new long[Math.min(n, perSecond.length())];
      for (int i = 0; i < out.length; i++) {
        out[i] = perSecond.get(i);
      }
      return out;
    }
  }

  // ---------------------------------------------------------------- waiting without blocking loops

  private Future<Void> timer(double seconds) {
    Promise<Void> p = Promise.promise();
    vertx.setTimer(Math.max(1, (long) (seconds * 1000)), id -> p.complete());
    return p.future();
  }

  private Future<Void> timerUntil(long nanos) {
    return timer(Math.max(0, nanos - System.nanoTime()) / 1e9);
  }

  private static <T> T await(Future<T> f) throws Exception {
    return await(f, 120);
  }

  private static <T> T await(Future<T> f, double timeoutSeconds) throws Exception {
    return BenchAwait.await(f, timeoutSeconds, "the load generator");
  }

  public long errors() {
    return errors.sum();
  }

  /** Closes every client socket and the clients. */
  @Override
  public void close() throws Exception {
    closing = true;
    if (heartbeatTimer >= 0) {
      vertx.cancelTimer(heartbeatTimer);
    }
    List<Future<Void>> closes = new ArrayList<>();
    for (SubscriberClient.ClientSocket ws : sockets) {
      closes.add(ws.close());
    }
    try {
      await(Future.join(closes), 30);
    } catch (Exception e) {
      // best effort: the process is about to end anyway
    }
    if (client != null) {
      await(client.close(), 30);
    }
    await(control.close(), 10);
  }
}
