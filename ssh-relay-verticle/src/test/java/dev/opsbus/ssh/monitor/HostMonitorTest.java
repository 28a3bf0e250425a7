package dev.opsbus.ssh.monitor;

import static dev.opsbus.ssh.RelayFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.Json;
import dev.opsbus.model.hosts.HostChange;
import dev.opsbus.ssh.RelayFixture;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Host health samples and log tails against a real SSH server. */
@ExtendWith(VertxExtension.class)
class HostMonitorTest {

  @TempDir
  Path dir;

  private RelayFixture fx;
  private HostMonitor monitor;

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    fx = new RelayFixture(vertx, dir, Duration.ofSeconds(1));
  }

  @AfterEach
  void tearDown() throws Exception {
    try {
      if (monitor != null) {
        await(monitor.stop());
      }
      assertThat(fx.trafficWithSecret()).as("bus messages carrying the host password").isEmpty();
    } finally {
      fx.close();
    }
  }

  private LinkedBlockingQueue<JsonObject> listen(String address) throws Exception {
    LinkedBlockingQueue<JsonObject> q = new LinkedBlockingQueue<>();
    await(fx.vertx.eventBus().<JsonObject>consumer(address, m -> q.add(m.body())).completion());
    return q;
  }

  private static JsonObject next(LinkedBlockingQueue<JsonObject> q, Duration within) throws InterruptedException {
    JsonObject e = q.poll(within.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(e).as("a message within %s", within).isNotNull();
    return e;
  }

  @Test
  void aReachableHostIsSampledWithPlausibleNumbersAndAClosedPortIsDown() throws Exception {
    fx.addGoodHost("good", null);
    fx.addHost("gone", RelayFixture.closedPort(), RelayFixture.PASSWORD, fx.server.fingerprint(), null);
    fx.addHost("unpinned", fx.server.port(), RelayFixture.PASSWORD, null, null);
    LinkedBlockingQueue<JsonObject> good = listen(Addresses.METRICS_HOST.format("good"));
    LinkedBlockingQueue<JsonObject> gone = listen(Addresses.METRICS_HOST.format("gone"));
    LinkedBlockingQueue<JsonObject> unpinned = listen(Addresses.METRICS_HOST.format("unpinned"));
    monitor = new HostMonitor(fx.vertx, fx.config, fx.hosts, fx.connector, fx.threads);
    await(monitor.start());

    JsonObject s = next(good, RelayFixture.WAIT);
    assertThat(s.getString("type")).isEqualTo("host_health");
    assertThat(s.getString("hostId")).isEqualTo("good");
    assertThat(s.getBoolean("reachable")).isTrue();
    assertThat(s.getLong("latencyMs")).isBetween(0L, RelayFixture.CONNECT_TIMEOUT.toMillis());
    assertThat(s.getDouble("load1")).isNotNull().isGreaterThanOrEqualTo(0.0);
    assertThat(s.getDouble("load15")).isNotNull().isGreaterThanOrEqualTo(0.0);
    assertThat(s.getLong("memTotalMb")).isPositive();
    assertThat(s.getLong("memUsedMb")).isBetween(0L, s.getLong("memTotalMb"));
    assertThat(s.getInteger("diskUsedPercent")).isBetween(0, 100);
    assertThat(s.getString("status")).isIn("up", "degraded");
    assertThat(s.getBoolean("changed")).isTrue();
    assertThat(s.getLong("seq")).isEqualTo(1L);
    assertThat(s.getString("ts")).isNotBlank();

    JsonObject second = next(good, RelayFixture.WAIT);
    assertThat(second.getLong("seq")).isEqualTo(2L);
    if (second.getString("status").equals(s.getString("status"))) {
      assertThat(second.getBoolean("changed")).isFalse();
    }

    JsonObject down = next(gone, RelayFixture.WAIT);
    assertThat(down.getBoolean("reachable")).isFalse();
    assertThat(down.getString("status")).isEqualTo("down");
    assertThat(down.getString("error")).isEqualTo("host_unreachable");
    assertThat(down.getString("message")).contains("connection refused");
    assertThat(down.getBoolean("changed")).isTrue();

    assertThat(unpinned.poll(500, TimeUnit.MILLISECONDS)).as("a host without a pinned key is not touched").isNull();

    // a new subscriber is given the last sample at once (the bridge replays it), not after a period
    JsonObject last = await(fx.vertx.eventBus().<JsonObject>request(Addresses.METRICS_HOST_LAST, new JsonObject().put("hostId", "gone"))).body();
    assertThat(last.getJsonArray("changes").getJsonObject(0).getString("status")).isEqualTo("down");
    JsonObject none = await(fx.vertx.eventBus().<JsonObject>request(Addresses.METRICS_HOST_LAST, new JsonObject().put("hostId", "never-sampled"))).body();
    assertThat(none.getJsonArray("changes")).isEmpty();
  }

  @Test
  void aWrongHostKeyMakesTheHostDownWithTheReason() throws Exception {
    fx.addHost("spoofed", fx.server.port(), RelayFixture.PASSWORD, RelayFixture.WRONG_FINGERPRINT, null);
    LinkedBlockingQueue<JsonObject> q = listen(Addresses.METRICS_HOST.format("spoofed"));
    monitor = new HostMonitor(fx.vertx, fx.config, fx.hosts, fx.connector, fx.threads);
    await(monitor.start());
    JsonObject s = next(q, RelayFixture.WAIT);
    assertThat(s.getString("status")).isEqualTo("down");
    assertThat(s.getString("error")).isEqualTo("host_key_mismatch");
  }

  @Test
  void aBurstOfHostChangesReadsTheHostListAFewTimesAndEndsOnTheLastState() throws Exception {
    fx.addGoodHost("first", null);
    LinkedBlockingQueue<JsonObject> first = listen(Addresses.METRICS_HOST.format("first"));
    AtomicInteger reads = new AtomicInteger();
    fx.vertx.eventBus().addOutboundInterceptor(ctx -> {
      if (Addresses.HOSTS_LIST.equals(ctx.message().address())) {
        reads.incrementAndGet();
      }
      ctx.next();
    });
    monitor = new HostMonitor(fx.vertx, fx.config, fx.hosts, fx.connector, fx.threads);
    await(monitor.start());
    next(first, RelayFixture.WAIT);
    int before = reads.get();

    // a fleet imported host by host: the last host registered, then a change per host at once
    fx.addGoodHost("late", null);
    LinkedBlockingQueue<JsonObject> late = listen(Addresses.METRICS_HOST.format("late"));
    fx.vertx.runOnContext(v -> {
      for (int i = 0; i < 200; i++) {
        fx.vertx.eventBus().publish(Addresses.HOSTS_CHANGED, Json.toJsonObject(HostChange.of(i == 199 ? "late" : "first", "updated")));
      }
    });
    assertThat(next(late, RelayFixture.WAIT).getString("hostId")).as("the host the burst announced is sampled").isEqualTo("late");
    assertThat(reads.get() - before).as("reads of the host list for 200 changes").isBetween(1, 3);
  }

  @Test
  void onlyOwnedHostsAreSampled() throws Exception {
    fx.addGoodHost("mine", null);
    fx.addGoodHost("theirs", null);
    LinkedBlockingQueue<JsonObject> mine = listen(Addresses.METRICS_HOST.format("mine"));
    LinkedBlockingQueue<JsonObject> theirs = listen(Addresses.METRICS_HOST.format("theirs"));
    monitor = new HostMonitor(fx.vertx, fx.config, fx.hosts, fx.connector, fx.threads, "mine"::equals);
    await(monitor.start());
    next(mine, RelayFixture.WAIT);
    next(mine, RelayFixture.WAIT);
    assertThat(theirs).isEmpty();
  }

  @Test
  void aTailedLogDeliversAppendedLinesInBatchesAndStopKillsTheTail() throws Exception {
    Path log = dir.resolve("app-" + System.nanoTime() + ".log");
    Files.writeString(log, "old line, never sent\n");
    fx.addGoodHost("logs", new JsonArray().add(new JsonObject().put("stream", "app").put("path", log.toString())));
    LinkedBlockingQueue<JsonObject> q = listen(Addresses.LOGS_HOST.format("logs", "app"));
    monitor = new HostMonitor(fx.vertx, fx.config, fx.hosts, fx.connector, fx.threads);
    await(monitor.start());

    // the tail starts at the end of the file some time after start(): probe until a line comes through
    long deadline = System.nanoTime() + RelayFixture.WAIT.toNanos();
    JsonObject first = null;
    for (int i = 0; first == null; i++) {
      assertThat(System.nanoTime()).as("the tail delivers a probe line in time").isLessThan(deadline);
      append(log, List.of("probe " + i));
      first = q.poll(200, TimeUnit.MILLISECONDS);
    }
    assertThat(first.getString("type")).isEqualTo("log_lines");
    assertThat(first.getString("hostId")).isEqualTo("logs");
    assertThat(first.getString("stream")).isEqualTo("app");
    assertThat(first.getJsonArray("lines").getList()).allMatch(l -> l.toString().startsWith("probe "));
    // let stragglers of the probing arrive, then start clean
    while (q.poll(300, TimeUnit.MILLISECONDS) != null) {
      // drain
    }

    List<String> lines = IntStream.rangeClosed(1, 25).mapToObj(i -> "line " + i + " with 'quotes' and $(id)").toList();
    append(log, lines);
    List<String> got = new ArrayList<>();
    List<JsonObject> messages = new ArrayList<>();
    while (got.size() < lines.size()) {
      JsonObject m = next(q, Duration.ofSeconds(5));
      messages.add(m);
      m.getJsonArray("lines").forEach(l -> got.add((String) l));
    }
    assertThat(got).containsExactlyElementsOf(lines);
    assertThat(messages).allMatch(m -> m.getJsonArray("lines").size() <= 10);
    assertThat(messages.size()).as("batched: fewer messages than lines").isLessThan(lines.size());
    List<Long> seqs = messages.stream().map(m -> m.getLong("seq")).toList();
    assertThat(seqs).isSorted().doesNotHaveDuplicates();

    await(monitor.stop());
    monitor = null;
    long gone = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (tailsOf(log) > 0) {
      assertThat(System.nanoTime()).as("the remote tail of %s ends after stop", log).isLessThan(gone);
      q.poll(100, TimeUnit.MILLISECONDS);
    }
  }

  @Test
  void theNextOwnerResumesATailWhereThePreviousOnesPublishedLinesEnded() throws Exception {
    Path log = dir.resolve("moved-" + System.nanoTime() + ".log");
    Files.writeString(log, "old line, never sent\n");
    fx.addGoodHost("moved", new JsonArray().add(new JsonObject().put("stream", "app").put("path", log.toString())));
    LinkedBlockingQueue<JsonObject> q = listen(Addresses.LOGS_HOST.format("moved", "app"));
    monitor = new HostMonitor(fx.vertx, fx.config, fx.hosts, fx.connector, fx.threads);
    await(monitor.start());
    long deadline = System.nanoTime() + RelayFixture.WAIT.toNanos();
    List<String> got = new ArrayList<>();
    List<Long> seqs = new ArrayList<>();
    for (int i = 0; got.isEmpty(); i++) {
      assertThat(System.nanoTime()).as("the tail delivers a probe line in time").isLessThan(deadline);
      append(log, List.of("probe " + i));
      JsonObject m = q.poll(200, TimeUnit.MILLISECONDS);
      if (m != null) {
        m.getJsonArray("lines").forEach(l -> got.add((String) l));
        seqs.add(m.getLong("seq"));
      }
    }
    for (JsonObject m; (m = q.poll(300, TimeUnit.MILLISECONDS)) != null; ) {
      m.getJsonArray("lines").forEach(l -> got.add((String) l));
      seqs.add(m.getLong("seq"));
    }
    int probes = got.size();
    append(log, List.of("before 1", "before 2"));
    while (got.size() < probes + 2) {
      JsonObject m = next(q, Duration.ofSeconds(5));
      m.getJsonArray("lines").forEach(l -> got.add((String) l));
      seqs.add(m.getLong("seq"));
    }
    // the owner goes away; lines written while nobody tails are reported by the next owner
    await(monitor.stop());
    append(log, List.of("gap 1 ünïcode", "gap 2", "gap 3"));
    monitor = new HostMonitor(fx.vertx, fx.config, fx.hosts, fx.connector, fx.threads);
    await(monitor.start());
    append(log, List.of("after 1"));
    while (got.size() < probes + 6) {
      JsonObject m = next(q, Duration.ofSeconds(10));
      m.getJsonArray("lines").forEach(l -> got.add((String) l));
      seqs.add(m.getLong("seq"));
    }
    assertThat(got.subList(probes, got.size())).containsExactly("before 1", "before 2", "gap 1 ünïcode", "gap 2", "gap 3", "after 1");
    assertThat(q.poll(500, TimeUnit.MILLISECONDS)).as("nothing twice").isNull();
    assertThat(seqs).as("the seq continues across owners").isSorted().doesNotHaveDuplicates();
  }

  private static void append(Path log, List<String> lines) throws Exception {
    Files.writeString(log, String.join("\n", lines) + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
  }

  /** The demo host is this machine: count live processes tailing {@code log}. */
  private static long tailsOf(Path log) {
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().map(c -> c.contains("tail") && c.contains(log.toString())).orElse(false))
        .count();
  }
}
