package dev.opsbus.ssh.exec;

import dev.opsbus.model.AddressPattern;
import dev.opsbus.model.Addresses;
import dev.opsbus.model.BusFailures;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.wire.ExecAccepted;
import dev.opsbus.model.wire.ExecCancel;
import dev.opsbus.model.wire.ExecOutcome;
import dev.opsbus.model.wire.ExecRequest;
import dev.opsbus.ssh.HostDirectory;
import dev.opsbus.ssh.RelayThreads;
import dev.opsbus.ssh.SshConnectionPool;
import dev.opsbus.ssh.SshConnector;
import dev.opsbus.ssh.SshRelayConfig;
import dev.opsbus.ssh.WireBodies;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code ssh.exec} (run one command on a host for another verticle, as a
 * {@link RunningCommand}), {@code ssh.exec.cancel} (stop it, wherever in the cluster it runs),
 * {@code ssh.exec.fence} (stop what is left of it on its host after its relay was lost) and
 * {@code ssh.hostkey.scan}. Requests are read and answered on the context that called
 * {@link #start()}; the commands' blocking work runs on {@link RelayThreads}. Commands share SSH
 * connections through this service's {@link SshConnectionPool} (settings {@link SshRelayConfig#pool()}),
 * whose idle connections a periodic sweep closes; {@link #stop()} closes them all.
 */
public final class ExecService {

  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
  public static final Duration DEFAULT_MAX_TIMEOUT = Duration.ofHours(1);
  /** Commands running at once on this node; more are refused with {@code unavailable}. */
  public static final int MAX_RUNNING = 256;

  private static final long STOP_WAIT_MS = 10_000;
  private static final Logger LOG = LoggerFactory.getLogger(ExecService.class);

  private final Vertx vertx;
  private final SshRelayConfig config;
  private final HostDirectory hosts;
  private final SshConnector connector;
  private final RelayThreads threads;
  private final Duration defaultTimeout;
  private final Duration maxTimeout;
  private final Map<String, RunningCommand> running = new ConcurrentHashMap<>();
  private final SshConnectionPool pool;
  private long sweeper = -1;
  private Context context;
  private List<MessageConsumer<?>> consumers = List.of();
  private Promise<Void> drained;

  public ExecService(Vertx vertx, SshRelayConfig config, HostDirectory hosts, SshConnector connector, RelayThreads threads) {
    this(vertx, config, hosts, connector, threads, DEFAULT_TIMEOUT, DEFAULT_MAX_TIMEOUT);
  }

  public ExecService(Vertx vertx, SshRelayConfig config, HostDirectory hosts, SshConnector connector, RelayThreads threads,
      Duration defaultTimeout, Duration maxTimeout) {
    if (defaultTimeout.isNegative() || defaultTimeout.isZero() || maxTimeout.compareTo(defaultTimeout) < 0) {
      throw new IllegalArgumentException("need 0 < defaultTimeout <= maxTimeout");
    }
    this.vertx = vertx;
    this.config = config;
    this.hosts = hosts;
    this.connector = connector;
    this.threads = threads;
    this.defaultTimeout = defaultTimeout;
    this.maxTimeout = maxTimeout;
    this.pool = new SshConnectionPool(connector, config.pool());
  }

  /** The connections this service's commands share (for tests and diagnostics). */
  public SshConnectionPool pool() {
    return pool;
  }

  public Future<Void> start() {
    context = vertx.getOrCreateContext();
    HostKeyScan scan = new HostKeyScan(vertx, hosts, connector);
    MessageConsumer<JsonObject> exec = vertx.eventBus().consumer(Addresses.SSH_EXEC, this::onExec);
    MessageConsumer<JsonObject> cancel = vertx.eventBus().consumer(Addresses.SSH_EXEC_CANCEL, this::onCancel);
    MessageConsumer<JsonObject> scanner = vertx.eventBus().consumer(Addresses.SSH_HOSTKEY_SCAN, scan::handle);
    MessageConsumer<JsonObject> fence = vertx.eventBus().consumer(Addresses.SSH_EXEC_FENCE, new FenceRequests(vertx, hosts, connector)::handle);
    // this node's operations run their commands here, so an operation and its command live and die together
    MessageConsumer<JsonObject> own = vertx.eventBus().localConsumer(Addresses.NODE_SSH_EXEC.format(config.nodeId()), this::onExec);
    consumers = List.of(exec, cancel, scanner, own, fence);
    long idleMs = config.pool().idleTimeout().toMillis();
    sweeper = vertx.setPeriodic(Math.max(50, Math.min(idleMs / 4, 5_000)), t -> vertx.executeBlocking(pool::closeIdle, false)
        .onFailure(err -> LOG.warn("closing idle ssh connections failed", err)));
    return Future.all(List.of(exec.completion(), cancel.completion(), scanner.completion(), own.completion(), fence.completion())).mapEmpty();
  }

  /** Unregisters, cancels every running command (killing it on its host) and waits (bounded) for them to end. */
  public Future<Void> stop() {
    Future<?> unregistered = Future.join(consumers.stream().map(c -> (Future<?>) c.unregister()).toList());
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      if (running.isEmpty()) {
        done.tryComplete();
        return;
      }
      drained = done;
      for (RunningCommand c : List.copyOf(running.values())) {
        c.requestEnd(ExecOutcome.CANCELLED, "the relay is stopping");
      }
      vertx.setTimer(STOP_WAIT_MS, t -> done.tryComplete());
    });
    return Future.join(unregistered, done.future()).eventually(() -> {
      if (sweeper >= 0) {
        vertx.cancelTimer(sweeper);
      }
      return vertx.executeBlocking(() -> {
        pool.close();
        return null;
      }, false);
    }).mapEmpty();
  }

  /** How many commands run now (for tests and diagnostics). */
  public int runningCount() {
    return running.size();
  }

  // ---------------------------------------------------------------- requests (event loop)

  private void onExec(Message<JsonObject> msg) {
    Request req;
    try {
      req = Request.parse(msg.body(), defaultTimeout, maxTimeout);
    } catch (OpsbusException e) {
      BusFailures.fail(msg, e.code(), e.getMessage());
      return;
    }
    if (running.size() >= MAX_RUNNING) {
      BusFailures.fail(msg, ErrorCode.UNAVAILABLE, "this relay already runs " + MAX_RUNNING + " commands; try again later");
      return;
    }
    RunningCommand c = new RunningCommand(vertx, context, threads, pool, config.nodeId(), req, msg, this::finished);
    if (running.putIfAbsent(req.execId(), c) != null) {
      BusFailures.fail(msg, ErrorCode.ALREADY_EXISTS, "a command with execId '" + req.execId() + "' is already running");
      return;
    }
    c.listen(this::cancelHere);
    hosts.target(req.hostId()).onComplete(ar -> {
      if (ar.failed()) {
        running.remove(req.execId(), c);
        c.abandon();
        BusFailures.fail(msg, ar.cause(), "host lookup failed");
        return;
      }
      c.start(ar.result());
    });
  }

  private void onCancel(Message<JsonObject> msg) {
    String execId = cancelled(msg);
    if (execId == null) {
      BusFailures.fail(msg, ErrorCode.INVALID_REQUEST, "ssh.exec.cancel needs an execId");
      return;
    }
    if (running.containsKey(execId)) {
      cancelHere(msg);
      return;
    }
    if (!execId.matches(AddressPattern.SEGMENT)) {
      BusFailures.fail(msg, ErrorCode.INVALID_REQUEST, "not an execId: " + execId);
      return;
    }
    // not ours: the relay that runs it answers, if any does
    vertx.eventBus().<JsonObject>request(Addresses.SSH_EXEC_CANCEL_ONE.format(execId), msg.body())
        .onSuccess(r -> msg.reply(r.body()))
        .onFailure(err -> BusFailures.fail(msg, ErrorCode.NOT_FOUND, "no command with execId '" + execId + "' is running on any relay"));
  }

  private void cancelHere(Message<JsonObject> msg) {
    String execId = cancelled(msg);
    RunningCommand c = execId == null ? null : running.get(execId);
    if (c == null) {
      BusFailures.fail(msg, ErrorCode.NOT_FOUND, "no command with execId '" + execId + "' is running on this relay");
      return;
    }
    c.requestEnd(ExecOutcome.CANCELLED, "cancelled on request");
    msg.reply(new ExecAccepted(execId, ExecAccepted.CANCELLING).toJson());
  }

  /** The execId a cancel names, or null when the body names none. */
  private static String cancelled(Message<JsonObject> msg) {
    try {
      return msg.body() == null ? null : ExecCancel.fromJson(msg.body()).execId();
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private void finished(RunningCommand c) {
    running.remove(c.execId(), c);
    if (drained != null && running.isEmpty()) {
      drained.tryComplete();
    }
  }

  // ---------------------------------------------------------------- request checks

  /** A checked {@code ssh.exec} request; {@code script} is the command line with every value quoted. */
  record Request(String hostId, String execId, String script, long timeoutMs) {

    static Request parse(JsonObject body, Duration defaultTimeout, Duration maxTimeout) {
      if (body == null) {
        throw invalid("ssh.exec needs a JSON object body");
      }
      ExecRequest r = WireBodies.read(body, ExecRequest::fromJson, "ssh.exec request");
      if (r.hostId() == null || r.hostId().isEmpty()) {
        throw invalid("hostId must be a non-empty string");
      }
      if (r.execId() == null || !r.execId().matches(AddressPattern.SEGMENT)) {
        throw invalid("execId must be one address segment (letters, digits, '-', '_', at most 128)");
      }
      if (r.command() == null || r.command().isBlank()) {
        throw invalid("command must be a non-blank string");
      }
      long timeoutMs = defaultTimeout.toMillis();
      if (r.timeoutMs() != null) {
        if (r.timeoutMs() <= 0) {
          throw invalid("timeoutMs must be a positive whole number of milliseconds");
        }
        if (r.timeoutMs() > maxTimeout.toMillis()) {
          throw invalid("timeoutMs may be at most " + maxTimeout.toMillis());
        }
        timeoutMs = r.timeoutMs();
      }
      String script = ShellQuote.exports(r.env()) + ShellQuote.render(r.command(), r.params());
      return new Request(r.hostId(), r.execId(), script, timeoutMs);
    }

    private static OpsbusException invalid(String why) {
      return new OpsbusException(ErrorCode.INVALID_REQUEST, why);
    }
  }
}
