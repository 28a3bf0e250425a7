package dev.opsbus.ssh.exec;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.AddressPattern;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.ssh.HostDirectory;
import dev.opsbus.ssh.SshConnector;
import dev.opsbus.ssh.SshRelayConfig;
import dev.opsbus.ssh.SshTarget;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import net.schmizz.sshj.SSHClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one command on a host for another verticle ({@code ssh.exec}), streams its lines and its
 * exit on {@code ssh.exec.<execId>.stream}, and stops it on cancel ({@code ssh.exec.cancel}) or
 * timeout by killing the remote process tree. Also answers host key scans
 * ({@code ssh.hostkey.scan}). sshj runs on this service's own threads (one per running command and
 * one for its stderr) or on Vert.x workers; all bus traffic and state changes happen on the
 * context that called {@link #start()}.
 */
public final class ExecService {

  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
  public static final Duration DEFAULT_MAX_TIMEOUT = Duration.ofHours(1);
  /** Commands running at once on this node; more are refused with {@code unavailable}. */
  public static final int MAX_RUNNING = 256;

  private static final Logger LOG = LoggerFactory.getLogger(ExecService.class);
  /** How long a kill may take before the channel and connection are cut regardless. */
  private static final long KILL_GRACE_MS = 5_000;
  private static final long STOP_WAIT_MS = 10_000;

  private final Vertx vertx;
  private final SshRelayConfig config;
  private final HostDirectory hosts;
  private final SshConnector connector;
  private final Duration defaultTimeout;
  private final Duration maxTimeout;
  private final Map<String, Exec> running = new ConcurrentHashMap<>();
  private final AtomicInteger threadNo = new AtomicInteger();
  private ExecutorService threads;
  private Context context;
  private List<MessageConsumer<?>> consumers = List.of();
  private Promise<Void> drained;

  public ExecService(Vertx vertx, SshRelayConfig config, HostDirectory hosts, SshConnector connector) {
    this(vertx, config, hosts, connector, DEFAULT_TIMEOUT, DEFAULT_MAX_TIMEOUT);
  }

  public ExecService(Vertx vertx, SshRelayConfig config, HostDirectory hosts, SshConnector connector,
      Duration defaultTimeout, Duration maxTimeout) {
    if (defaultTimeout.isNegative() || defaultTimeout.isZero() || maxTimeout.compareTo(defaultTimeout) < 0) {
      throw new IllegalArgumentException("need 0 < defaultTimeout <= maxTimeout");
    }
    this.vertx = vertx;
    this.config = config;
    this.hosts = hosts;
    this.connector = connector;
    this.defaultTimeout = defaultTimeout;
    this.maxTimeout = maxTimeout;
  }

  public Future<Void> start() {
    context = vertx.getOrCreateContext();
    threads = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "opsbus-ssh-exec-" + threadNo.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    HostKeyScan scan = new HostKeyScan(vertx, hosts, connector);
    MessageConsumer<JsonObject> exec = vertx.eventBus().consumer(Addresses.SSH_EXEC, this::onExec);
    MessageConsumer<JsonObject> cancel = vertx.eventBus().consumer(Addresses.SSH_EXEC_CANCEL, this::onCancel);
    MessageConsumer<JsonObject> scanner = vertx.eventBus().consumer(Addresses.SSH_HOSTKEY_SCAN, scan::handle);
    consumers = List.of(exec, cancel, scanner);
    return Future.all(exec.completion(), cancel.completion(), scanner.completion()).mapEmpty();
  }

  /** Unregisters, cancels every running command (killing it on its host) and waits for them to end. */
  public Future<Void> stop() {
    Future<?> unregistered = Future.join(consumers.stream().map(c -> (Future<?>) c.unregister()).toList());
    Promise<Void> done = Promise.promise();
    runOnContext(() -> {
      if (running.isEmpty()) {
        done.tryComplete();
        return;
      }
      drained = done;
      for (Exec e : List.copyOf(running.values())) {
        e.requestEnd(Outcome.CANCELLED, "the relay is stopping");
      }
      vertx.setTimer(STOP_WAIT_MS, t -> done.tryComplete());
    });
    return Future.join(unregistered, done.future()).<Void>mapEmpty().eventually(() -> {
      if (threads != null) {
        threads.shutdownNow();
      }
      return Future.succeededFuture();
    });
  }

  /** What is running now, by execId (for tests and diagnostics). */
  public int runningCount() {
    return running.size();
  }

  // ---------------------------------------------------------------- request handling (event loop)

  private void onExec(Message<JsonObject> msg) {
    Request req;
    try {
      req = Request.parse(msg.body(), defaultTimeout, maxTimeout);
    } catch (OpsbusException e) {
      msg.fail(e.code().failureCode(), e.getMessage());
      return;
    } catch (RuntimeException e) {
      msg.fail(ErrorCode.INVALID_REQUEST.failureCode(), "not a valid ssh.exec request: " + e.getMessage());
      return;
    }
    if (running.size() >= MAX_RUNNING) {
      msg.fail(ErrorCode.UNAVAILABLE.failureCode(), "this relay already runs " + MAX_RUNNING + " commands; try again later");
      return;
    }
    Exec e = new Exec(req, msg);
    if (running.putIfAbsent(req.execId(), e) != null) {
      msg.fail(ErrorCode.ALREADY_EXISTS.failureCode(), "a command with execId '" + req.execId() + "' is already running");
      return;
    }
    hosts.target(req.hostId()).onComplete(ar -> {
      if (ar.failed()) {
        running.remove(req.execId(), e);
        ErrorCode code = ar.cause() instanceof OpsbusException oe ? oe.code() : ErrorCode.INTERNAL_ERROR;
        msg.fail(code.failureCode(), ar.cause() instanceof OpsbusException ? ar.cause().getMessage() : "host lookup failed");
        return;
      }
      LOG.info("exec {} on host {} starting", req.execId(), req.hostId());
      // a cancel that lands on another relay of the cluster is forwarded to this address
      e.cancelConsumer = vertx.eventBus().consumer(Addresses.SSH_EXEC_CANCEL_ONE.format(req.execId()), this::cancelHere);
      e.step("connecting");
      threads.execute(() -> e.run(ar.result()));
    });
  }

  private void onCancel(Message<JsonObject> msg) {
    String execId = msg.body() == null ? null : msg.body().getValue("execId") instanceof String s ? s : null;
    if (execId == null) {
      msg.fail(ErrorCode.INVALID_REQUEST.failureCode(), "ssh.exec.cancel needs an execId");
      return;
    }
    if (running.containsKey(execId)) {
      cancelHere(msg);
      return;
    }
    if (!execId.matches(dev.opsbus.model.AddressPattern.SEGMENT)) {
      msg.fail(ErrorCode.INVALID_REQUEST.failureCode(), "not an execId: " + execId);
      return;
    }
    // not ours: the relay that runs it answers, if any does
    vertx.eventBus().<JsonObject>request(Addresses.SSH_EXEC_CANCEL_ONE.format(execId), msg.body())
        .onSuccess(r -> msg.reply(r.body()))
        .onFailure(err -> msg.fail(ErrorCode.NOT_FOUND.failureCode(), "no command with execId '" + execId + "' is running on any relay"));
  }

  private void cancelHere(Message<JsonObject> msg) {
    String execId = msg.body() == null ? null : msg.body().getString("execId");
    Exec e = execId == null ? null : running.get(execId);
    if (e == null) {
      msg.fail(ErrorCode.NOT_FOUND.failureCode(), "no command with execId '" + execId + "' is running on this relay");
      return;
    }
    e.requestEnd(Outcome.CANCELLED, "cancelled on request");
    msg.reply(new JsonObject().put("execId", execId).put("status", "cancelling"));
  }

  private void runOnContext(Runnable r) {
    context.runOnContext(v -> r.run());
  }

  private void finished(Exec e) {
    running.remove(e.req.execId(), e);
    if (e.cancelConsumer != null) {
      e.cancelConsumer.unregister();
    }
    if (drained != null && running.isEmpty()) {
      drained.tryComplete();
    }
  }

  // ---------------------------------------------------------------- one command

  enum Outcome {
    COMPLETED, FAILED, CANCELLED, TIMED_OUT;

    String wire() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * One running command. Fields touched by worker threads are volatile or atomic; {@code seq},
   * {@code timer} and {@code ended} only on the event loop.
   */
  private final class Exec {
    /** The per-command cancel address, registered while it runs. */
    MessageConsumer<JsonObject> cancelConsumer;
    final Request req;
    final Message<JsonObject> msg;
    final String address;
    final AtomicReference<Outcome> endRequested = new AtomicReference<>();
    volatile String endMessage;
    final AtomicBoolean killStarted = new AtomicBoolean();
    /** Counted down when a started kill has finished, so the connection is not closed under it. */
    final java.util.concurrent.CountDownLatch killDone = new java.util.concurrent.CountDownLatch(1);
    volatile SSHClient ssh;
    volatile RemoteProcess proc;
    long seq;
    long timer = -1;
    boolean ended;
    boolean replied;

    Exec(Request req, Message<JsonObject> msg) {
      this.req = req;
      this.msg = msg;
      this.address = Addresses.SSH_EXEC_STREAM.format(req.execId());
    }

    // ---- event loop

    JsonObject event(String type) {
      return new JsonObject().put("type", type).put("ts", Instant.now().toString()).put("execId", req.execId()).put("seq", ++seq);
    }

    void step(String step) {
      if (!ended) {
        vertx.eventBus().publish(address, event("exec_step").put("step", step));
      }
    }

    void output(String stream, String line) {
      if (!ended) {
        vertx.eventBus().publish(address, event("exec_output").put("stream", stream).put("line", line));
      }
    }

    void running() {
      step("running");
      replied = true;
      msg.reply(new JsonObject().put("execId", req.execId()).put("status", "started"));
      if (endRequested.get() == null) {
        timer = vertx.setTimer(req.timeoutMs(), t -> {
          timer = -1;
          requestEnd(Outcome.TIMED_OUT, "timed out after " + req.timeoutMs() + " ms");
        });
      }
    }

    /** Cancel or timeout: the first reason wins; the kill runs on a worker. */
    void requestEnd(Outcome why, String message) {
      if (ended || !endRequested.compareAndSet(null, why)) {
        return;
      }
      endMessage = message;
      LOG.info("exec {} on host {}: {}", req.execId(), req.hostId(), message);
      if (proc != null) {
        vertx.executeBlocking(() -> {
          kill();
          return null;
        }, false);
      }
    }

    void end(Outcome outcome, Integer exitStatus, String message, ErrorCode error) {
      if (ended) {
        return;
      }
      if (!replied) {
        replied = true;
        ErrorCode code = error != null ? error : outcome == Outcome.TIMED_OUT ? ErrorCode.TIMEOUT : ErrorCode.CANCELLED;
        msg.fail(code.failureCode(), message);
      }
      JsonObject exit = event("exec_exit").put("exitStatus", exitStatus).put("outcome", outcome.wire()).put("message", message);
      if (error != null) {
        exit.put("error", error.wireName());
      }
      ended = true;
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
      vertx.eventBus().publish(address, exit);
      LOG.info("exec {} on host {} ended: {} ({})", req.execId(), req.hostId(), outcome.wire(), message);
      finished(this);
    }

    // ---- worker threads

    void run(SshTarget target) {
      try {
        ssh = connector.connect(target, () -> runOnContext(() -> step("authenticating")));
      } catch (OpsbusException e) {
        if (e.code() == ErrorCode.HOST_KEY_MISMATCH || e.code() == ErrorCode.HOST_KEY_UNKNOWN) {
          // a changed host key is a security event: everyone watching the activity log must see it
          vertx.eventBus().publish(Addresses.ACTIVITY_EVENTS, dev.opsbus.model.Json.toJsonObject(
              dev.opsbus.model.event.ActivityEvent.of(e.code().wireName(), null, config.nodeId(), null, e.code().wireName(), e.getMessage(),
                  java.util.Map.of("hostId", req.hostId(), "execId", req.execId()))));
        }
        runOnContext(() -> end(Outcome.FAILED, null, e.getMessage(), e.code()));
        return;
      } catch (RuntimeException e) {
        LOG.warn("exec {}: connecting to host {} failed", req.execId(), req.hostId(), e);
        runOnContext(() -> end(Outcome.FAILED, null, "connecting to host '" + req.hostId() + "' failed", ErrorCode.INTERNAL_ERROR));
        return;
      }
      try {
        if (endRequested.get() != null) {
          Outcome why = endRequested.get();
          runOnContext(() -> end(why, null, endMessage + " before the command started", null));
          return;
        }
        try {
          proc = RemoteProcess.start(ssh, req.script());
        } catch (IOException e) {
          runOnContext(() -> end(Outcome.FAILED, null, "host '" + req.hostId() + "' did not start the command: " + e.getMessage(),
              ErrorCode.HOST_UNREACHABLE));
          return;
        }
        runOnContext(this::running);
        if (endRequested.get() != null) {
          // not here: the kill waits for the pid, which the stderr reader started below delivers
          vertx.executeBlocking(() -> {
            kill();
            return null;
          }, false);
        }
        pumpAndReport();
      } finally {
        if (killStarted.get()) {
          try {
            killDone.await(KILL_GRACE_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        closeQuietly();
      }
    }

    private void pumpAndReport() {
      RemoteProcess p = proc;
      AtomicReference<IOException> stderrFailure = new AtomicReference<>();
      Thread stderr;
      try {
        stderr = new Thread(() -> {
          try {
            p.pumpStderr(line -> runOnContext(() -> output("stderr", line)));
          } catch (IOException e) {
            stderrFailure.set(e);
          }
        }, "opsbus-ssh-exec-stderr-" + req.execId());
        stderr.setDaemon(true);
        stderr.start();
      } catch (RuntimeException e) {
        runOnContext(() -> end(Outcome.FAILED, null, "could not read the command's output", ErrorCode.INTERNAL_ERROR));
        return;
      }
      IOException failure = null;
      try {
        p.pumpStdout(line -> runOnContext(() -> output("stdout", line)));
      } catch (IOException e) {
        failure = e;
      }
      try {
        stderr.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (failure == null) {
        failure = stderrFailure.get();
      }
      Integer status = failure == null ? p.exitStatus(KILL_GRACE_MS) : null;
      String signal = failure == null ? p.exitSignal() : null;
      Outcome why = endRequested.get();
      Outcome outcome;
      String message;
      if (why != null) {
        outcome = why;
        message = endMessage + "; the remote command was stopped";
      } else if (failure != null) {
        outcome = Outcome.FAILED;
        message = "the connection to host '" + req.hostId() + "' was lost while the command ran";
      } else if (status != null && status == 0) {
        outcome = Outcome.COMPLETED;
        message = "exited with status 0";
      } else {
        outcome = Outcome.FAILED;
        message = status != null ? "exited with status " + status
            : signal != null ? "killed by signal " + signal : "ended without an exit status";
      }
      Outcome o = outcome;
      String m = message;
      runOnContext(() -> end(o, status, m, null));
    }

    /** Kills the remote process tree once; if the streams do not end soon after, cuts the connection. */
    void kill() {
      if (!killStarted.compareAndSet(false, true)) {
        return;
      }
      try {
        killOnce();
      } finally {
        killDone.countDown();
      }
    }

    private void killOnce() {
      RemoteProcess p = proc;
      SSHClient client = ssh;
      if (p == null || client == null) {
        return;
      }
      runOnContext(() -> vertx.setTimer(KILL_GRACE_MS, t -> {
        if (!ended) {
          LOG.warn("exec {}: the command did not end after the kill; closing the connection", req.execId());
          vertx.executeBlocking(() -> {
            closeQuietly();
            return null;
          }, false);
        }
      }));
      try {
        long pid = p.awaitPid(KILL_GRACE_MS);
        RemoteProcess.killTree(client, pid, KILL_GRACE_MS);
      } catch (IOException e) {
        LOG.warn("exec {}: killing the remote command failed: {}", req.execId(), e.toString());
        closeQuietly();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    void closeQuietly() {
      RemoteProcess p = proc;
      if (p != null) {
        p.close();
      }
      SSHClient c = ssh;
      if (c != null) {
        try {
          c.close();
        } catch (IOException ignored) {
          // the connection is gone either way
        }
      }
    }
  }

  // ---------------------------------------------------------------- request parsing

  /** A validated {@code ssh.exec} request; {@code script} is the command line with values quoted. */
  record Request(String hostId, String execId, String script, long timeoutMs) {

    static Request parse(JsonObject body, Duration defaultTimeout, Duration maxTimeout) {
      if (body == null) {
        throw invalid("ssh.exec needs a JSON object body");
      }
      String hostId = string(body, "hostId");
      String execId = string(body, "execId");
      if (!execId.matches(AddressPattern.SEGMENT)) {
        throw invalid("execId must be one address segment (letters, digits, '-', '_', at most 128)");
      }
      String command = string(body, "command");
      if (command.isBlank()) {
        throw invalid("command must not be blank");
      }
      long timeoutMs = defaultTimeout.toMillis();
      Object t = body.getValue("timeoutMs");
      if (t != null) {
        if (!(t instanceof Number n) || n.longValue() <= 0 || n.doubleValue() != Math.floor(n.doubleValue())) {
          throw invalid("timeoutMs must be a positive whole number of milliseconds");
        }
        if (n.longValue() > maxTimeout.toMillis()) {
          throw invalid("timeoutMs may be at most " + maxTimeout.toMillis());
        }
        timeoutMs = n.longValue();
      }
      String script = ShellQuote.exports(values(body, "env")) + ShellQuote.render(command, values(body, "params"));
      return new Request(hostId, execId, script, timeoutMs);
    }

    private static String string(JsonObject body, String key) {
      if (!(body.getValue(key) instanceof String s) || s.isEmpty()) {
        throw invalid(key + " must be a non-empty string");
      }
      return s;
    }

    /** A map of names to strings, numbers or booleans (written as their text); absent means empty. */
    private static Map<String, String> values(JsonObject body, String key) {
      Object raw = body.getValue(key);
      Map<String, String> out = new LinkedHashMap<>();
      if (raw == null) {
        return out;
      }
      if (!(raw instanceof JsonObject obj)) {
        throw invalid(key + " must be an object");
      }
      for (Map.Entry<String, Object> e : obj) {
        Object v = e.getValue();
        if (v instanceof String || v instanceof Number || v instanceof Boolean) {
          out.put(e.getKey(), String.valueOf(v));
        } else {
          throw invalid(key + "." + e.getKey() + " must be a string, number or boolean");
        }
      }
      return out;
    }

    private static OpsbusException invalid(String why) {
      return new OpsbusException(ErrorCode.INVALID_REQUEST, why);
    }
  }
}
