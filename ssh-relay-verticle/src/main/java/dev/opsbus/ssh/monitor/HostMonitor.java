package dev.opsbus.ssh.monitor;

import dev.opsbus.model.wire.ReplayAnswer;
import dev.opsbus.model.Addresses;
import dev.opsbus.model.AddressPattern;
import dev.opsbus.model.BusFailures;
import dev.opsbus.model.BusIdentity;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.hosts.HostChange;
import dev.opsbus.model.Principal;
import dev.opsbus.model.wire.HostHealth;
import dev.opsbus.ssh.HostDirectory;
import dev.opsbus.ssh.HostDirectory.HostInfo;
import dev.opsbus.ssh.RelayThreads;
import dev.opsbus.ssh.SshConnector;
import dev.opsbus.ssh.SshRelayConfig;
import dev.opsbus.ssh.SshTarget;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.connection.channel.direct.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the hosts this relay owns: samples each one's health every {@code healthPeriod} onto
 * {@code metrics.host.<hostId>} and tails its configured log files onto
 * {@code logs.host.<hostId>.<stream>}. Only hosts with a pinned host key are touched. The host list
 * is read again on {@code hosts.changed} and on every health round. Which hosts this node owns is
 * decided by {@link HostOwnership} (one live relay per host; all of them on a relay alone): when
 * the live relays change, tails move and a host newly owned is sampled at once. The last sample
 * of each host ({@link LastSamples}) and where each tail stands ({@link TailPositions}) are kept
 * cluster-wide, so the next owner continues both.
 */
public final class HostMonitor {

  /** Above this SSH connect+auth time a reachable host is degraded. */
  public static final long SLOW_LATENCY_MS = 2_000;
  public static final int DISK_DEGRADED_PERCENT = 90;
  public static final double MEMORY_DEGRADED_PERCENT = 95.0;

  private static final Logger LOG = LoggerFactory.getLogger(HostMonitor.class);
  private static final long STOP_WAIT_MS = 10_000;
  private static final int MAX_HEALTH_OUTPUT = 64 * 1024;

  private final Vertx vertx;
  private final SshRelayConfig config;
  private final HostDirectory hosts;
  private final SshConnector connector;
  private final RelayThreads threads;
  private final Predicate<String> owns;
  private final HostOwnership ownership;
  private final LastSamples lastSamples;
  private final TailPositions positions;
  /** The last lines of every log this relay tails, replayed to new subscribers ({@link LogReplay}). */
  private final LogHistory history;
  private final LogReplay logReplay;
  /** Hosts owned at the last reload (event loop only): a host new in it is sampled at once. */
  private Set<String> owned = Set.of();
  private long holdOffTimer = -1;

  private Context context;
  private MessageConsumer<JsonObject> changes;
  private long periodic = -1;
  private boolean stopped;
  /** The last host list request failed (event loop only): the warning is logged once per outage. */
  private boolean listFailing;
  /**
   * Reads of the host list (event loop only): changes that come while a read is under way ask for one
   * more read after it, so a burst of {@code hosts.changed} (a fleet imported host by host) reads the
   * list a few times, not once per change. A read under way for longer than {@link #READ_STALL_MS}
   * (its gateway may have died with the request) does not hold the next one back; only the answer
   * of the newest read is used.
   */
  private static final long READ_STALL_MS = 1_000;
  private long readGeneration;
  private long readStartedAt;
  private boolean reading;
  private boolean readAgain;
  private boolean sampleAgain;
  /** Per host: health seq, last status, whether a sample is in flight (event loop only). */
  private final Map<String, HealthState> health = new HashMap<>();
  /** Running tails by key (host, stream, path, how it is reached). */
  private final Map<String, LogTail> tails = new HashMap<>();
  /** Next seq per log address, kept across tail restarts. */
  private final Map<String, long[]> logSeq = new HashMap<>();

  private static final class HealthState {
    long seq;
    String status;
    boolean inFlight;
  }

  public HostMonitor(Vertx vertx, SshRelayConfig config, HostDirectory hosts, SshConnector connector, RelayThreads threads) {
    this(vertx, config, hosts, connector, threads, new HostOwnership(vertx, config.nodeId()));
  }

  private HostMonitor(Vertx vertx, SshRelayConfig config, HostDirectory hosts, SshConnector connector, RelayThreads threads,
      HostOwnership ownership) {
    this(vertx, config, hosts, connector, threads, ownership::owns, ownership);
  }

  /**
   * @param owns whether this node samples and tails {@code hostId}; in a cluster exactly one live
   *     relay must answer true for each host
   */
  public HostMonitor(Vertx vertx, SshRelayConfig config, HostDirectory hosts, SshConnector connector, RelayThreads threads,
      Predicate<String> owns) {
    this(vertx, config, hosts, connector, threads, owns, null);
  }

  private HostMonitor(Vertx vertx, SshRelayConfig config, HostDirectory hosts, SshConnector connector, RelayThreads threads,
      Predicate<String> owns, HostOwnership ownership) {
    this.ownership = ownership;
    this.lastSamples = new LastSamples(vertx);
    this.positions = new TailPositions(vertx);
    this.history = new LogHistory(config.logReplayLines());
    this.logReplay = new LogReplay(vertx, config.nodeId(), history, ownership == null ? h -> null : ownership::owner);
    this.vertx = vertx;
    this.config = config;
    this.hosts = hosts;
    this.connector = connector;
    this.threads = threads;
    this.owns = owns;
  }

  /** The last sample published per host (this relay's own view). */
  private final Map<String, HostHealth> last = new HashMap<>();
  private MessageConsumer<JsonObject> lastSample;

  public Future<Void> start() {
    context = vertx.getOrCreateContext();
    lastSample = vertx.eventBus().consumer(Addresses.METRICS_HOST_LAST, this::answerLast);
    changes = vertx.eventBus().consumer(Addresses.HOSTS_CHANGED, msg -> {
      String hostId = HostChange.hostIdOf(msg.body());
      if (hostId != null) {
        restartTails(hostId);
      }
      reload(false);
    });
    Future<Void> relays = ownership == null ? Future.succeededFuture() : ownership.start(() -> reload(false));
    return Future.all(changes.completion(), lastSample.completion(), relays, logReplay.start()).<Void>mapEmpty().onSuccess(v -> {
      periodic = vertx.setPeriodic(config.healthPeriod().toMillis(), t -> reload(true));
      reload(true);
    });
  }

  /** The host a {@code hosts.changed} names; null for a body that is no {@code HostChange} (the list is read again anyway). */
  /** Stops sampling, kills every remote tail and waits (bounded) for their threads to end. */
  public Future<Void> stop() {
    if (lastSample != null) {
      lastSample.unregister();
    }
    logReplay.stop();
    if (ownership != null) {
      // the others take this relay's hosts at their next refresh
      ownership.stop();
    }
    Future<Void> unregistered = changes == null ? Future.succeededFuture() : changes.unregister();
    Future<Void> tailsDone = Future.future(p -> context.runOnContext(v -> {
      stopped = true;
      if (periodic >= 0) {
        vertx.cancelTimer(periodic);
      }
      List<Future<Void>> all = new ArrayList<>();
      tails.values().forEach(t -> all.add(t.stop()));
      tails.clear();
      long guard = vertx.setTimer(STOP_WAIT_MS, t -> p.tryComplete());
      Future.join(all).onComplete(ar -> {
        vertx.cancelTimer(guard);
        p.tryComplete();
      });
    }));
    return Future.join(unregistered, tailsDone).mapEmpty();
  }

  // ---------------------------------------------------------------- host list (event loop)

  private void reload(boolean sample) {
    if (stopped) {
      return;
    }
    long now = System.nanoTime();
    if (reading && now - readStartedAt < READ_STALL_MS * 1_000_000) {
      readAgain = true;
      sampleAgain |= sample;
      return;
    }
    boolean sampleNow = sample || sampleAgain;
    readAgain = false;
    sampleAgain = false;
    reading = true;
    readStartedAt = now;
    long generation = ++readGeneration;
    hosts.all().onComplete(ar -> {
      if (generation != readGeneration) {
        return; // a newer read was started past this one's stall: its answer is the one to use
      }
      reading = false;
      if (ar.succeeded()) {
        applyList(ar.result(), sampleNow);
      } else {
        listFailed(ar.cause());
      }
      if (readAgain) {
        reload(false);
      }
    });
  }

  private void applyList(List<HostInfo> list, boolean sample) {
    if (listFailing) {
      listFailing = false;
      LOG.info("host monitor reads the host list again ({} hosts)", list.size());
    }
    if (stopped) {
      return;
    }
    List<HostInfo> mine = list.stream().filter(h -> h.fingerprint() != null && owns.test(h.id())).toList();
    Set<String> ids = new HashSet<>();
    mine.forEach(h -> ids.add(h.id()));
    Set<String> before = owned;
    owned = ids;
    if (ownership != null && !ids.equals(before)) {
      for (String id : ids) {
        if (!before.contains(id)) {
          LOG.info("host {} is watched by this relay now (live relays {})", id, ownership.live());
        }
      }
      for (String id : before) {
        if (!ids.contains(id)) {
          LOG.info("host {} is no longer watched by this relay (live relays {})", id, ownership.live());
        }
      }
    }
    for (String id : before) {
      if (!ids.contains(id)) {
        history.forgetHost(id);
      }
    }
    long holdOff = ownership == null ? 0 : ownership.holdOffMillis();
    if (holdOff > 0) {
      // tails wait until the previous owners have seen this relay and stopped theirs
      tails.values().forEach(LogTail::stop);
      tails.clear();
      if (holdOffTimer < 0) {
        holdOffTimer = vertx.setTimer(holdOff, t -> {
          holdOffTimer = -1;
          reload(false);
        });
      }
    } else {
      reconcileTails(mine);
    }
    for (HostInfo h : mine) {
      // a host taken over is sampled at once, not at the next round
      if (sample || !before.contains(h.id())) {
        sample(h);
      }
    }
    health.keySet().removeIf(id -> !ids.contains(id) && !health.get(id).inFlight);
  }

  private void listFailed(Throwable e) {
    // once per outage: without a gateway in the cluster this fails every round
    if (!listFailing) {
      listFailing = true;
      LOG.warn("host monitor could not read the host list: {}", e.getMessage());
    } else {
      LOG.debug("host monitor still cannot read the host list: {}", e.getMessage());
    }
  }

  // ---------------------------------------------------------------- health

  private void sample(HostInfo host) {
    HealthState st = health.computeIfAbsent(host.id(), id -> new HealthState());
    if (st.inFlight) {
      return;
    }
    st.inFlight = true;
    // a host new to this relay continues the seq its previous owner published
    Future<Void> seeded = st.seq > 0 ? Future.succeededFuture()
        : lastSamples.get(host.id()).map(prev -> {
          if (prev != null && prev.seq() > st.seq) {
            st.seq = prev.seq();
            st.status = prev.status();
          }
          return null;
        });
    seeded.compose(v -> hosts.target(host.id()))
        .compose(target -> vertx.executeBlocking(() -> probe(target), false))
        .onComplete(ar -> {
          st.inFlight = false;
          Probe probe = ar.succeeded() ? ar.result()
              : Probe.down(ar.cause() instanceof OpsbusException oe ? oe.code() : ErrorCode.INTERNAL_ERROR,
                  ar.cause() instanceof OpsbusException ? ar.cause().getMessage() : "the health check failed");
          if (!stopped) {
            publishHealth(host.id(), st, probe);
          }
        });
  }

  private void publishHealth(String hostId, HealthState st, Probe p) {
    String status;
    String message;
    if (!p.reachable()) {
      status = HostHealth.DOWN;
      message = p.message();
    } else {
      List<String> why = new ArrayList<>();
      if (p.latencyMs() > SLOW_LATENCY_MS) {
        why.add("SSH took " + p.latencyMs() + " ms to connect (over " + SLOW_LATENCY_MS + ")");
      }
      HealthReadings r = p.readings();
      if (r.diskUsedPercent() != null && r.diskUsedPercent() > DISK_DEGRADED_PERCENT) {
        why.add("root disk " + r.diskUsedPercent() + "% full (over " + DISK_DEGRADED_PERCENT + "%)");
      }
      Double mem = r.memUsedPercent();
      if (mem != null && mem > MEMORY_DEGRADED_PERCENT) {
        why.add(String.format(Locale.ROOT, "memory %.1f%% used (over %.0f%%)", mem, MEMORY_DEGRADED_PERCENT));
      }
      if (p.message() != null) {
        why.add(p.message());
      }
      status = why.isEmpty() ? HostHealth.UP : HostHealth.DEGRADED;
      message = why.isEmpty() ? "reachable, SSH in " + p.latencyMs() + " ms" : String.join("; ", why);
    }
    boolean changed = !status.equals(st.status);
    String previous = st.status;
    st.status = status;
    HealthReadings r = p.readings();
    HostHealth sample = new HostHealth(HostHealth.TYPE, Instant.now(), hostId, ++st.seq, p.reachable(),
        p.reachable() ? p.latencyMs() : null, r.load1(), r.load5(), r.load15(), r.memTotalMb(), r.memUsedMb(),
        r.diskUsedPercent(), status, message, changed, changed ? previous : null, p.error());
    if (changed) {
      LOG.info("host {} is {}: {}", hostId, status, message);
    }
    last.put(hostId, sample);
    lastSamples.save(sample);
    vertx.eventBus().publish(Addresses.METRICS_HOST.format(hostId), sample.toJson());
  }

  /** The last sample of a host, for a new subscriber (the bridge replays it before live samples). */
  private void answerLast(Message<JsonObject> msg) {
    // the bridge's replay request names the address parts ({hostId}); its answer is {"changes": [...]}
    String hostId = msg.body() == null ? null : msg.body().getString("hostId");
    Principal caller = BusIdentity.of(msg.headers());
    if (hostId == null || caller != null && !caller.mayAccessHost(hostId)) {
      BusFailures.fail(msg, ErrorCode.ACCESS_DENIED, "not granted host '" + hostId + "'");
      return;
    }
    // any relay may be asked: the owner's last sample is kept cluster-wide
    HostHealth own = owned.contains(hostId) ? last.get(hostId) : null;
    (own != null ? Future.succeededFuture(own) : lastSamples.get(hostId)).onComplete(ar -> {
      HostHealth sample = ar.succeeded() && ar.result() != null ? ar.result() : last.get(hostId);
      msg.reply(sample == null ? ReplayAnswer.of().toJson() : ReplayAnswer.of(sample.toJson()).toJson());
    });
  }

  /** One probe's result; {@code message} carries a problem worth reporting even when reachable. */
  record Probe(boolean reachable, long latencyMs, HealthReadings readings, String message, ErrorCode error) {
    static Probe down(ErrorCode code, String message) {
      return new Probe(false, -1, HealthReadings.NONE, message, code);
    }
  }

  /** Worker thread: connect (timed), run the health command with a deadline, parse. */
  private Probe probe(SshTarget target) {
    long t0 = System.nanoTime();
    SSHClient ssh;
    try {
      ssh = connector.connect(target);
    } catch (OpsbusException e) {
      return Probe.down(e.code(), e.getMessage());
    }
    long latency = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    long deadline = config.connectTimeout().toMillis();
    try (ssh; Session s = ssh.startSession()) {
      Session.Command cmd = s.exec(HealthReadings.COMMAND);
      cmd.getOutputStream().close();
      // the output is small and sits in the channel's window until read, so wait for the end first
      cmd.join(deadline, TimeUnit.MILLISECONDS);
      return new Probe(true, latency, HealthReadings.parse(readAll(cmd.getInputStream())), null, null);
    } catch (IOException e) {
      return new Probe(true, latency, HealthReadings.NONE, "connected, but the health command did not finish within "
          + deadline + " ms", null);
    }
  }

  private static String readAll(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[4096];
    for (int n; (n = in.read(buf)) != -1 && out.size() < MAX_HEALTH_OUTPUT; ) {
      out.write(buf, 0, n);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  // ---------------------------------------------------------------- log tails

  private static String tailKey(HostInfo h, HostDirectory.LogSpec spec) {
    return String.join("\u0000", h.id(), spec.stream(), spec.path(), h.address(), String.valueOf(h.port()), h.username(),
        h.fingerprint());
  }

  private void reconcileTails(List<HostInfo> mine) {
    Map<String, Runnable> wanted = new HashMap<>();
    for (HostInfo h : mine) {
      for (HostDirectory.LogSpec spec : h.logs()) {
        if (!spec.stream().matches(AddressPattern.SEGMENT)) {
          LOG.warn("host {}: log stream name '{}' is not one address segment; not tailed", h.id(), spec.stream());
          continue;
        }
        String key = tailKey(h, spec);
        wanted.put(key, () -> startTail(key, h, spec));
      }
    }
    for (String key : new ArrayList<>(tails.keySet())) {
      if (!wanted.containsKey(key)) {
        tails.remove(key).stop();
      }
    }
    wanted.forEach((key, start) -> {
      if (!tails.containsKey(key)) {
        start.run();
      }
    });
  }

  private void startTail(String key, HostInfo h, HostDirectory.LogSpec spec) {
    String address = Addresses.LOGS_HOST.format(h.id(), spec.stream());
    long[] seq = logSeq.computeIfAbsent(address, a -> new long[1]);
    LogTail tail = new LogTail(vertx, context, hosts, connector, threads, h.id(), spec, address, seq, positions,
        config.connectTimeout().toMillis(), history);
    try {
      tail.start();
      tails.put(key, tail);
    } catch (OpsbusException e) {
      // not kept: the next reload of the host list tries again
      LOG.warn("host {}: log {} not tailed for now: {}", h.id(), spec.stream(), e.getMessage());
    }
  }

  /** A host changed (maybe its credentials): its tails reconnect with what is stored now. */
  private void restartTails(String hostId) {
    String prefix = hostId + "\u0000";
    for (String key : new ArrayList<>(tails.keySet())) {
      if (key.startsWith(prefix)) {
        tails.remove(key).stop();
      }
    }
  }
}
