package dev.opsbus.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientConnection;
import io.vertx.core.http.HttpConnectOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Operations through the HTTP API ({@code POST /api/hosts/{id}/operations}), real SSH underneath.
 *
 * <p>{@code rate}: {@code hosts} SSH hosts (all the same bench SSH server, each its own host row, since
 * one host runs one operation of a type at a time) each get a closed loop: start an operation, wait
 * for its final snapshot on {@code ops.updates.all} through the bridge, start the next. Starts
 * accepted per second, operations completed per second, start latency (the API's answer) and
 * start-to-completed latency, over a measurement window after a warm-up.
 *
 * <p>{@code storm}: {@code starts} identical starts of a long operation on one host, split across the
 * nodes given (two clustered processes sharing one PostgreSQL), each on its own HTTP connection
 * opened beforehand and all sent at once: exactly one operation may be created, every other answer
 * must be {@code already_running} with the same operation id. The number created is read back from
 * {@code GET /api/operations}; the operation is then cancelled and its end awaited before the next storm.
 *
 * <p>{@code ops}: {@code hosts} distinct hosts (host rows of their own on the bench SSH server), {@code rounds}
 * rounds; each round sends one start per host all at once (at most {@code connections} HTTP requests in
 * flight), then waits for every operation it started to end. Per round: accepted starts per second
 * (202 {@code started} answers over the time from the first request to the last answer), and apart
 * from it completions per second (completed operations over the time from the first request to the
 * last end), which the hosts (the SSH server, the remote command) bound. Round 1 pays one SSH
 * connection per host; later rounds find them in the relay's pool.
 *
 * <p>Everything is asynchronous on the generator's event loops; the calling thread only waits for
 * the end of each phase.
 */
final class OperationsBench {

  static final long WAIT_MS = 120_000;
  /**
   * The most operations one {@code GET /api/operations} lists (the API refuses more with 400): a storm
   * host holds one operation per storm, far fewer.
   */
  static final int LIST_LIMIT = 500;

  record Options(List<URI> urls, String user, String password, int sshPort, String sshUser, String sshPassword,
      String sshFingerprint, int run, int hosts, String type, double warmup, double duration, int starts, int storms,
      int warmupStorms, String stormType, int serverPid, int rounds, int connections, int pgPort, String pgPasswordFile,
      int peerPoolSize) {
  }

  private final Vertx vertx;
  private final Options o;

  OperationsBench(Vertx vertx, Options o) {
    this.vertx = vertx;
    this.o = o;
  }

  // ------------------------------------------------------------------ rate

  void runRate(Consumer<Map<String, Object>> rows) throws Exception {
    URI url = o.urls().get(0);
    ApiClient api = new ApiClient(vertx, url, o.hosts() + 2);
    OpsWatcher watcher = new OpsWatcher(vertx);
    try {
      await(api.login(o.user(), o.password()));
      for (int i = 1; i <= o.hosts(); i++) {
        await(api.registerHost("ops-" + i, "127.0.0.1", o.sshPort(), o.sshUser(), o.sshPassword(), o.sshFingerprint()));
      }
      await(watcher.start(url, api.token(), "ops.updates.all"));
      long now = System.nanoTime();
      long windowStart = now + (long) (o.warmup() * 1e9);
      long windowEnd = windowStart + (long) (o.duration() * 1e9);
      Histogram startLatency = new ConcurrentHistogram(TimeUnit.MINUTES.toNanos(5), 3);
      Histogram doneLatency = new ConcurrentHistogram(TimeUnit.MINUTES.toNanos(5), 3);
      AtomicLong accepted = new AtomicLong();
      AtomicLong completed = new AtomicLong();
      AtomicLong failed = new AtomicLong();
      AtomicLong refused = new AtomicLong();
      AtomicLong total = new AtomicLong();
      List<Future<Void>> workers = new ArrayList<>();
      for (int i = 1; i <= o.hosts(); i++) {
        Promise<Void> done = Promise.promise();
        workers.add(done.future());
        String hostId = "ops-" + i;
        vertx.runOnContext(v -> loop(api, watcher, hostId, windowStart, windowEnd, startLatency, doneLatency, accepted,
            completed, failed, refused, total, done));
      }
      // CPU over the window: read at its edges by this thread, which only waits meanwhile
      waitUntil(windowStart);
      long cpu0 = o.serverPid() > 0 ? ProcStats.processCpuMicros(o.serverPid()) : -1;
      ProcStats.CoreTimes server0 = ProcStats.coreTimes(serverCore());
      waitUntil(windowEnd);
      long cpu1 = o.serverPid() > 0 ? ProcStats.processCpuMicros(o.serverPid()) : -1;
      ProcStats.CoreTimes server1 = ProcStats.coreTimes(serverCore());
      Future.all(workers).toCompletionStage().toCompletableFuture().get(WAIT_MS, TimeUnit.MILLISECONDS);
      double window = o.duration();
      Map<String, Object> r = baseRow("rate");
      r.put("hosts", o.hosts());
      r.put("type", o.type());
      r.put("window_s", window);
      r.put("started", accepted.get());
      r.put("completed", completed.get());
      r.put("failed", failed.get());
      r.put("refused", refused.get());
      r.put("starts_per_s", accepted.get() / window);
      r.put("completed_per_s", completed.get() / window);
      r.put("start_p50_ms", ms(startLatency.getValueAtPercentile(50)));
      r.put("start_p99_ms", ms(startLatency.getValueAtPercentile(99)));
      r.put("done_p50_ms", ms(doneLatency.getValueAtPercentile(50)));
      r.put("done_p99_ms", ms(doneLatency.getValueAtPercentile(99)));
      r.put("server_cpu_pct", cpu0 >= 0 && cpu1 >= 0 ? (cpu1 - cpu0) / 1e4 / window : Double.NaN);
      r.put("server_core_busy_pct", 100 * server1.busyFractionSince(server0));
      r.put("bridge_errors", watcher.errors());
      rows.accept(r);
    } finally {
      awaitQuietly(watcher.close());
      awaitQuietly(api.close());
    }
  }

  private static int serverCore() {
    return core("BENCH_SERVER_CORE", 0);
  }

  /** The generator's own core (run.sh pins it there): the other side that may set the limit. */
  private static int generatorCore() {
    return core("BENCH_GEN_CORE", 1);
  }

  private static int core(String env, int fallback) {
    String v = System.getenv(env);
    try {
      return v == null ? fallback : Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  /** One host's closed loop: start, wait for the end, start again, until the window has passed. */
  private void loop(ApiClient api, OpsWatcher watcher, String hostId, long windowStart, long windowEnd,
      Histogram startLatency, Histogram doneLatency, AtomicLong accepted, AtomicLong completed, AtomicLong failed,
      AtomicLong refused, AtomicLong total, Promise<Void> done) {
    long t0 = System.nanoTime();
    if (t0 >= windowEnd) {
      done.tryComplete();
      return;
    }
    boolean measured = t0 >= windowStart;
    api.call(HttpMethod.POST, "/api/hosts/" + hostId + "/operations", new JsonObject().put("type", o.type()))
        .onFailure(err -> {
          System.err.println("operations: start on " + hostId + " failed: " + err.getMessage());
          done.tryFail(err);
        })
        .onSuccess(answer -> {
          long t1 = System.nanoTime();
          JsonObject json = answer.json();
          if (answer.status() != 202 || !"started".equals(json.getString("status"))) {
            refused.incrementAndGet();
            System.err.println("operations: start on " + hostId + " answered " + answer.status() + ": " + answer.body());
            done.tryFail("start refused: " + answer.status() + " " + answer.body());
            return;
          }
          total.incrementAndGet();
          if (t1 >= windowStart && t1 < windowEnd) {
            accepted.incrementAndGet();
          }
          if (measured) {
            startLatency.recordValue(t1 - t0);
          }
          watcher.finished(json.getString("operationId")).onSuccess(end -> {
            if (end.nanos() >= windowStart && end.nanos() < windowEnd) {
              if ("completed".equals(end.status())) {
                completed.incrementAndGet();
              } else {
                failed.incrementAndGet();
              }
            }
            if (measured) {
              doneLatency.recordValue(Math.max(0, end.nanos() - t0));
            }
            loop(api, watcher, hostId, windowStart, windowEnd, startLatency, doneLatency, accepted, completed, failed,
                refused, total, done);
          });
        });
  }

  // ------------------------------------------------------------------ ops (open burst over distinct hosts)

  /** One start of a round: sent, answered, HTTP status, the answer's status and operation id. */
  private record Start(long sent, long answered, int status, String result, String operationId) {
  }

  void runOps(Consumer<Map<String, Object>> rows) throws Exception {
    URI url = o.urls().get(0);
    ApiClient api = new ApiClient(vertx, url, o.connections());
    OpsWatcher watcher = new OpsWatcher(vertx);
    try {
      await(api.login(o.user(), o.password()));
      List<String> hosts = new ArrayList<>();
      for (int i = 1; i <= o.hosts(); i++) {
        hosts.add("opsb-" + i);
      }
      // registered a few at a time: each is a create, a host-key scan (an SSH handshake) and a pin
      for (int i = 0; i < hosts.size(); i += 8) {
        List<Future<Void>> batch = new ArrayList<>();
        for (String h : hosts.subList(i, Math.min(hosts.size(), i + 8))) {
          batch.add(registerPatiently(api, h, 10));
        }
        await(Future.all(batch));
      }
      await(watcher.start(url, api.token(), "ops.updates.all"));
      peer = PeerInserts.open(vertx, o.pgPort(), o.pgPasswordFile(), o.peerPoolSize());
      for (int round = 1; round <= o.rounds(); round++) {
        // the peer right before the round, on the same machine under the same load: plain INSERTs
        double peerRate = peer == null ? Double.NaN : peer.rate(hosts.size(), o.connections());
        Map<String, Object> r = opsRound(api, watcher, hosts, round);
        r.put("peer_inserts_per_s", peerRate);
        r.put("accepted_vs_peer", peer == null ? Double.NaN : ((Number) r.get("accepted_per_s")).doubleValue() / peerRate);
        rows.accept(r);
      }
    } finally {
      if (peer != null) {
        peer.close();
      }
      awaitQuietly(watcher.close());
      awaitQuietly(api.close());
    }
  }

  private PeerInserts peer;

  /** Registers a host, again after a second when the node answers that it is busy (a loaded machine's database). */
  private Future<Void> registerPatiently(ApiClient api, String host, int tries) {
    return api.registerHost(host, "127.0.0.1", o.sshPort(), o.sshUser(), o.sshPassword(), o.sshFingerprint())
        .recover(err -> {
          if (tries <= 1) {
            return Future.failedFuture(err);
          }
          System.err.println("operations: registering " + host + " failed (" + err.getMessage() + "); trying again");
          Promise<Void> later = Promise.promise();
          vertx.setTimer(1_000, t -> registerPatiently(api, host, tries - 1).onComplete(later));
          return later.future();
        });
  }

  private Map<String, Object> opsRound(ApiClient api, OpsWatcher watcher, List<String> hosts, int round) throws Exception {
    long cpu0 = o.serverPid() > 0 ? ProcStats.processCpuMicros(o.serverPid()) : -1;
    ProcStats.CoreTimes core0 = ProcStats.coreTimes(serverCore());
    ProcStats.CoreTimes gen0 = ProcStats.coreTimes(generatorCore());
    JsonObject body = new JsonObject().put("type", o.type());
    List<Future<Start>> starts = new ArrayList<>(hosts.size());
    long t0 = System.nanoTime();
    for (String h : hosts) {
      long sent = System.nanoTime();
      starts.add(api.call(HttpMethod.POST, "/api/hosts/" + h + "/operations", body).map(a -> {
        JsonObject j = a.status() == 202 ? a.json() : new JsonObject();
        return new Start(sent, System.nanoTime(), a.status(), j.getString("status", "error"), j.getString("operationId"));
      }).recover(err -> Future.succeededFuture(new Start(sent, System.nanoTime(), -1, "error: " + err.getMessage(), null))));
    }
    await(Future.join(new ArrayList<>(starts)));
    Histogram answer = new Histogram(TimeUnit.MINUTES.toNanos(5), 3);
    long lastAnswer = t0;
    int started = 0;
    int accepted = 0;
    int refused = 0;
    List<Future<OpsWatcher.End>> ends = new ArrayList<>();
    for (Future<Start> f : starts) {
      Start st = f.result();
      answer.recordValue(Math.max(0, st.answered() - st.sent()));
      lastAnswer = Math.max(lastAnswer, st.answered());
      if (st.status() == 202) {
        accepted++;
      }
      if (st.status() == 202 && "started".equals(st.result())) {
        started++;
        ends.add(watcher.finished(st.operationId()));
      } else {
        refused++;
        if (refused <= 3) {
          System.err.println("operations: ops round " + round + " start answered " + st.status() + " " + st.result());
        }
      }
    }
    long cpuAnswered = o.serverPid() > 0 ? ProcStats.processCpuMicros(o.serverPid()) : -1;
    ProcStats.CoreTimes coreAnswered = ProcStats.coreTimes(serverCore());
    ProcStats.CoreTimes genAnswered = ProcStats.coreTimes(generatorCore());
    await(Future.join(new ArrayList<>(ends)));
    Histogram done = new Histogram(TimeUnit.MINUTES.toNanos(5), 3);
    long lastEnd = lastAnswer;
    int completed = 0;
    int failed = 0;
    for (Future<OpsWatcher.End> f : ends) {
      OpsWatcher.End e = f.result();
      lastEnd = Math.max(lastEnd, e.nanos());
      done.recordValue(Math.max(0, e.nanos() - t0));
      if ("completed".equals(e.status())) {
        completed++;
      } else {
        failed++;
      }
    }
    long cpu1 = o.serverPid() > 0 ? ProcStats.processCpuMicros(o.serverPid()) : -1;
    ProcStats.CoreTimes core1 = ProcStats.coreTimes(serverCore());
    double answerWindow = (lastAnswer - t0) / 1e9;
    double doneWindow = (lastEnd - t0) / 1e9;
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("scenario", "ops");
    r.put("run", o.run());
    r.put("round", round);
    r.put("cold", round == 1);
    r.put("hosts", hosts.size());
    r.put("type", o.type());
    r.put("http_connections", o.connections());
    r.put("started", started);
    r.put("refused", refused);
    r.put("answers_s", answerWindow);
    r.put("accepted_per_s", started / answerWindow);
    // every 202, also already_running (a gateway retry of the same key answered with the operation it started)
    r.put("answered_202", accepted);
    r.put("answered_202_per_s", accepted / answerWindow);
    r.put("answer_p50_ms", ms(answer.getValueAtPercentile(50)));
    r.put("answer_p99_ms", ms(answer.getValueAtPercentile(99)));
    r.put("completed", completed);
    r.put("failed", failed);
    r.put("ends_s", doneWindow);
    r.put("completed_per_s", completed / doneWindow);
    r.put("done_p50_ms", ms(done.getValueAtPercentile(50)));
    r.put("done_p99_ms", ms(done.getValueAtPercentile(99)));
    r.put("node_cpu_pct_answering", cpu0 >= 0 && cpuAnswered >= 0 && answerWindow > 0 ? (cpuAnswered - cpu0) / 1e4 / answerWindow : Double.NaN);
    r.put("node_cpu_pct", cpu0 >= 0 && cpu1 >= 0 ? (cpu1 - cpu0) / 1e4 / doneWindow : Double.NaN);
    r.put("server_core_busy_pct", 100 * core1.busyFractionSince(core0));
    // while the starts were answered: which core was full (the node's with its database, or the
    // generator's, shared with the bench SSH server that plays the hosts)
    r.put("server_core_busy_pct_answering", 100 * coreAnswered.busyFractionSince(core0));
    r.put("gen_core_busy_pct_answering", 100 * genAnswered.busyFractionSince(gen0));
    r.put("load_avg_1m", loadAverage());
    r.put("bridge_errors", watcher.errors());
    return r;
  }

  // ------------------------------------------------------------------ storm

  /** One start of the storm: when it was sent and answered, and what the answer said. */
  private record Shot(long sent, long answered, int status, String result, String operationId) {
  }

  void runStorm(Consumer<Map<String, Object>> rows) throws Exception {
    List<ApiClient> apis = new ArrayList<>();
    for (URI u : o.urls()) {
      apis.add(new ApiClient(vertx, u, 4));
    }
    ApiClient first = apis.get(0);
    OpsWatcher watcher = new OpsWatcher(vertx);
    String hostId = "storm";
    try {
      for (ApiClient a : apis) {
        // every node accepts every node's tokens (one JWT key in the shared database); log in on each anyway
        await(a.login(o.user(), o.password()));
      }
      await(first.registerHost(hostId, "127.0.0.1", o.sshPort(), o.sshUser(), o.sshPassword(), o.sshFingerprint()));
      // watch from the last node: the end of an operation started anywhere reaches it over the cluster
      ApiClient last = apis.get(apis.size() - 1);
      await(watcher.start(last.base(), last.token(), "ops.updates.host." + hostId));
      // warm-up storms (the JIT on every path a start takes) are checked and written like the others, marked warmup
      for (int s = 1 - o.warmupStorms(); s <= o.storms(); s++) {
        rows.accept(storm(apis, watcher, hostId, s));
      }
    } finally {
      awaitQuietly(watcher.close());
      for (ApiClient a : apis) {
        awaitQuietly(a.close());
      }
    }
  }

  private Map<String, Object> storm(List<ApiClient> apis, OpsWatcher watcher, String hostId, int stormNo) throws Exception {
    ApiClient first = apis.get(0);
    Set<String> before = operationIds(first, hostId);
    // one connection per start, opened before the storm, so the answer latency holds no connection setup
    List<HttpClientConnection> conns = new ArrayList<>();
    List<ApiClient> owners = new ArrayList<>();
    List<Future<HttpClientConnection>> opening = new ArrayList<>();
    for (int i = 0; i < o.starts(); i++) {
      ApiClient a = apis.get(i % apis.size());
      owners.add(a);
      opening.add(a.http().connect(new HttpConnectOptions().setHost(a.base().getHost()).setPort(a.base().getPort())));
    }
    for (Future<HttpClientConnection> f : opening) {
      conns.add(await(f));
    }
    JsonObject body = new JsonObject().put("type", o.stormType());
    String path = "/api/hosts/" + hostId + "/operations";
    List<Future<Shot>> shots = new ArrayList<>(o.starts());
    long t0 = System.nanoTime();
    for (int i = 0; i < conns.size(); i++) {
      HttpClientConnection c = conns.get(i);
      String token = owners.get(i).token();
      long sent = System.nanoTime();
      shots.add(ApiClient.call(c, HttpMethod.POST, path, body, token).map(a -> {
        long answered = System.nanoTime();
        JsonObject j = a.status() == 202 ? a.json() : new JsonObject();
        return new Shot(sent, answered, a.status(), j.getString("status", "error"), j.getString("operationId"));
      }).recover(err -> Future.succeededFuture(new Shot(sent, System.nanoTime(), -1, "error: " + err.getMessage(), null))));
    }
    Future.join(new ArrayList<>(shots)).toCompletionStage().toCompletableFuture().get(WAIT_MS, TimeUnit.MILLISECONDS);
    Histogram latency = new Histogram(TimeUnit.MINUTES.toNanos(5), 3);
    long lastAnswer = t0;
    int started = 0;
    int already = 0;
    int errors = 0;
    Set<String> answeredIds = new HashSet<>();
    for (Future<Shot> f : shots) {
      Shot s = f.result();
      latency.recordValue(s.answered() - s.sent());
      lastAnswer = Math.max(lastAnswer, s.answered());
      switch (s.result()) {
        case "started" -> started++;
        case "already_running" -> already++;
        default -> {
          errors++;
          if (errors <= 3) {
            System.err.println("operations: storm start answered " + s.status() + " " + s.result());
          }
        }
      }
      if (s.operationId() != null) {
        answeredIds.add(s.operationId());
      }
    }
    for (HttpClientConnection c : conns) {
      c.close();
    }
    Set<String> created = operationIds(first, hostId);
    created.removeAll(before);
    // end what the storm started, so the next storm starts from nothing running
    for (String id : created) {
      ApiClient.Answer cancel = await(first.call(HttpMethod.POST, "/api/operations/" + id + "/cancel", null));
      if (cancel.status() != 202) {
        System.err.println("operations: cancelling " + id + " answered " + cancel.status() + ": " + cancel.body());
      }
      await(watcher.finished(id));
    }
    Map<String, Object> r = baseRow("storm");
    r.put("storm", stormNo);
    r.put("warmup", stormNo <= 0);
    r.put("nodes", apis.size());
    r.put("type", o.stormType());
    r.put("starts", o.starts());
    r.put("created", created.size());
    r.put("answered_started", started);
    r.put("answered_already_running", already);
    r.put("answer_errors", errors);
    r.put("distinct_ids", answeredIds.size());
    r.put("same_id", answeredIds.size() == 1 && created.containsAll(answeredIds));
    r.put("answer_p50_ms", ms(latency.getValueAtPercentile(50)));
    r.put("answer_p99_ms", ms(latency.getValueAtPercentile(99)));
    r.put("answer_max_ms", ms(latency.getMaxValue()));
    r.put("all_answered_ms", ms(lastAnswer - t0));
    r.put("bridge_errors", watcher.errors());
    return r;
  }

  private Set<String> operationIds(ApiClient api, String hostId) throws Exception {
    ApiClient.Answer a = await(api.call(HttpMethod.GET, "/api/operations?hostId=" + hostId + "&limit=" + LIST_LIMIT, null));
    if (a.status() != 200) {
      throw new IllegalStateException("listing operations answered " + a.status() + ": " + a.body());
    }
    Set<String> ids = new HashSet<>();
    JsonArray ops = a.json().getJsonArray("operations", new JsonArray());
    for (int i = 0; i < ops.size(); i++) {
      ids.add(ops.getJsonObject(i).getString("id"));
    }
    return ids;
  }

  // ------------------------------------------------------------------ rows

  /** Every row carries every column (blank where it does not apply), so both kinds share operations.csv. */
  private Map<String, Object> baseRow(String kind) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("scenario", "operations");
    r.put("kind", kind);
    r.put("run", o.run());
    for (String c : List.of("storm", "warmup", "nodes", "hosts", "type", "window_s", "started", "completed", "failed", "refused",
        "starts_per_s", "completed_per_s", "start_p50_ms", "start_p99_ms", "done_p50_ms", "done_p99_ms", "server_cpu_pct",
        "server_core_busy_pct", "starts", "created", "answered_started", "answered_already_running", "answer_errors",
        "distinct_ids", "same_id", "answer_p50_ms", "answer_p99_ms", "answer_max_ms", "all_answered_ms", "bridge_errors")) {
      r.put(c, "");
    }
    return r;
  }

  /** The machine's 1-minute load average (other work on it shows here), NaN when unknown. */
  private static double loadAverage() {
    try {
      return Double.parseDouble(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim().split("\\s+")[0]);
    } catch (java.io.IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  private static void waitUntil(long nanos) throws InterruptedException {
    // the measurement window is a span of time: this thread parks until its edge, it synchronises nothing
    long left;
    while ((left = nanos - System.nanoTime()) > 0) {
      TimeUnit.NANOSECONDS.sleep(left);
    }
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(WAIT_MS, TimeUnit.MILLISECONDS);
  }

  private static void awaitQuietly(Future<?> f) {
    try {
      f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.err.println("operations: closing: " + e.getMessage());
    }
  }
}
