package dev.opsbus.ssh.exec;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.BusFailures;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.Json;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.event.ActivityEvent;
import dev.opsbus.model.wire.ExecAccepted;
import dev.opsbus.model.wire.ExecEvent;
import dev.opsbus.model.wire.ExecOutcome;
import dev.opsbus.ssh.RelayThreads;
import dev.opsbus.ssh.SshConnectionPool;
import dev.opsbus.ssh.SshTarget;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import net.schmizz.sshj.SSHClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One command of {@code ssh.exec}, from its connection to its {@code exec_exit}: takes a lease on a
 * pooled connection to its host ({@link SshConnectionPool}, connecting only when none has room) on
 * its own relay thread, opens its own channel on it, answers the request once the command runs,
 * streams steps and lines on {@code ssh.exec.<execId>.stream}, and on cancel or timeout kills the
 * remote process tree. The connection is shared: the command closes only its channel and gives the
 * connection back; it is closed for everyone only when it is broken.
 * Fields touched by relay threads are volatile or atomic; {@code seq}, {@code timer},
 * {@code ended} and {@code replied} only on the service's context.
 */
final class RunningCommand {

  /** How long a kill may take before the command's channel is cut regardless. */
  static final long KILL_GRACE_MS = 5_000;

  private static final Logger LOG = LoggerFactory.getLogger(RunningCommand.class);

  private final Vertx vertx;
  private final Context context;
  private final RelayThreads threads;
  private final SshConnectionPool pool;
  private final String nodeId;
  private final ExecService.Request req;
  private final Message<JsonObject> msg;
  private final String address;
  private final Consumer<RunningCommand> finished;

  private final AtomicReference<ExecOutcome> endRequested = new AtomicReference<>();
  private volatile String endMessage;
  private final AtomicBoolean killStarted = new AtomicBoolean();
  /** Counted down when a started kill has finished, so the lease is not given back under it. */
  private final CountDownLatch killDone = new CountDownLatch(1);
  private volatile SSHClient ssh;
  private volatile SshConnectionPool.Lease lease;
  private volatile RemoteProcess proc;

  /** The per-command cancel address, registered while it runs. */
  private MessageConsumer<JsonObject> cancelConsumer;
  private long seq;
  private long timer = -1;
  private boolean ended;
  private boolean replied;

  RunningCommand(Vertx vertx, Context context, RelayThreads threads, SshConnectionPool pool, String nodeId,
      ExecService.Request req, Message<JsonObject> msg, Consumer<RunningCommand> finished) {
    this.vertx = vertx;
    this.context = context;
    this.threads = threads;
    this.pool = pool;
    this.nodeId = nodeId;
    this.req = req;
    this.msg = msg;
    this.address = Addresses.SSH_EXEC_STREAM.format(req.execId());
    this.finished = finished;
  }

  String execId() {
    return req.execId();
  }

  // ---------------------------------------------------------------- event loop

  /**
   * Serves the per-command cancel address from the moment the relay accepts the command, before its
   * host is even looked up (a cancel landing on another relay of the cluster is forwarded there).
   */
  void listen(io.vertx.core.Handler<Message<JsonObject>> cancels) {
    cancelConsumer = vertx.eventBus().consumer(Addresses.SSH_EXEC_CANCEL_ONE.format(req.execId()), cancels);
  }

  /** The command will not start (its host could not be looked up): its cancel address goes. */
  void abandon() {
    if (cancelConsumer != null) {
      cancelConsumer.unregister();
    }
  }

  /** Starts the run on a relay thread (after {@link #listen}). */
  void start(SshTarget target) {
    LOG.info("exec {} on host {} starting", req.execId(), req.hostId());
    step("connecting");
    try {
      threads.start(RelayThreads.Kind.EXEC, () -> run(target));
    } catch (OpsbusException e) {
      end(ExecOutcome.FAILED, null, e.getMessage(), e.code());
    }
  }

  private void publish(ExecEvent event) {
    vertx.eventBus().publish(address, event.toJson());
  }

  private void step(String step) {
    if (!ended) {
      publish(ExecEvent.Step.of(req.execId(), ++seq, step));
    }
  }

  private void output(String stream, String line) {
    if (!ended) {
      publish(ExecEvent.Output.of(req.execId(), ++seq, stream, line));
    }
  }

  private void running() {
    step("running");
    replied = true;
    msg.reply(new ExecAccepted(req.execId(), ExecAccepted.STARTED).toJson());
    if (endRequested.get() == null) {
      timer = vertx.setTimer(req.timeoutMs(), t -> {
        timer = -1;
        requestEnd(ExecOutcome.TIMED_OUT, "timed out after " + req.timeoutMs() + " ms");
      });
    }
  }

  /** Cancel or timeout: the first reason wins; the kill runs on a relay thread. */
  void requestEnd(ExecOutcome why, String message) {
    if (ended || !endRequested.compareAndSet(null, why)) {
      return;
    }
    endMessage = message;
    LOG.info("exec {} on host {}: {}", req.execId(), req.hostId(), message);
    if (proc != null) {
      startKill();
    }
  }

  private void end(ExecOutcome outcome, Integer exitStatus, String message, ErrorCode error) {
    if (ended) {
      return;
    }
    if (!replied) {
      replied = true;
      ErrorCode code = error != null ? error : outcome == ExecOutcome.TIMED_OUT ? ErrorCode.TIMEOUT : ErrorCode.CANCELLED;
      BusFailures.fail(msg, code, message);
    }
    ExecEvent.Exit exit = ExecEvent.Exit.of(req.execId(), ++seq, exitStatus, outcome, message, error);
    ended = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    publish(exit);
    LOG.info("exec {} on host {} ended: {} ({})", req.execId(), req.hostId(), outcome.wireName(), message);
    if (cancelConsumer != null) {
      cancelConsumer.unregister();
    }
    finished.accept(this);
  }

  private void onContext(Runnable r) {
    context.runOnContext(v -> r.run());
  }

  // ---------------------------------------------------------------- relay threads

  private void run(SshTarget target) {
    try {
      if (!openChannel(target)) {
        return;
      }
      onContext(this::running);
      if (endRequested.get() != null) {
        // not on this thread: the kill waits for the pid, which the stderr pump started below delivers
        startKill();
      }
      pumpAndReport();
    } catch (RuntimeException e) {
      // whatever went wrong, the command ends and its caller hears it: a run never hangs unanswered
      LOG.error("exec {} on host {} failed", req.execId(), req.hostId(), e);
      onContext(() -> end(ExecOutcome.FAILED, null, "the relay failed running the command on host '" + req.hostId() + "'",
          ErrorCode.INTERNAL_ERROR));
    } finally {
      if (killStarted.get()) {
        try {
          killDone.await(KILL_GRACE_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      closeQuietly();
      release();
    }
  }

  /**
   * Takes a lease and starts the command on a channel of it; true once it runs. A pooled connection
   * that will not open a channel is marked broken and the command tries once more, on a new one.
   * On false the command has ended.
   */
  private boolean openChannel(SshTarget target) {
    for (int attempt = 0; ; attempt++) {
      try {
        lease = pool.acquire(target, () -> onContext(() -> step("authenticating")), () -> endRequested.get() != null,
            req.timeoutMs());
        ssh = lease.client();
      } catch (OpsbusException e) {
        ExecOutcome why = endRequested.get();
        if (e.code() == ErrorCode.CANCELLED && why != null) {
          onContext(() -> end(why, null, endMessage + " before the command started", null));
          return false;
        }
        if (e.code() == ErrorCode.HOST_KEY_MISMATCH || e.code() == ErrorCode.HOST_KEY_UNKNOWN) {
          // a changed host key is a security event: everyone watching the activity log must see it
          vertx.eventBus().publish(Addresses.ACTIVITY_EVENTS, Json.toJsonObject(ActivityEvent.of(e.code().wireName(), null,
              nodeId, null, e.code().wireName(), e.getMessage(), Map.of("hostId", req.hostId(), "execId", req.execId()))));
        }
        onContext(() -> end(ExecOutcome.FAILED, null, e.getMessage(), e.code()));
        return false;
      } catch (RuntimeException e) {
        LOG.warn("exec {}: connecting to host {} failed", req.execId(), req.hostId(), e);
        onContext(() -> end(ExecOutcome.FAILED, null, "connecting to host '" + req.hostId() + "' failed", ErrorCode.INTERNAL_ERROR));
        return false;
      }
      if (endRequested.get() != null) {
        ExecOutcome why = endRequested.get();
        onContext(() -> end(why, null, endMessage + " before the command started", null));
        return false;
      }
      try {
        proc = RemoteProcess.start(ssh, req.script(), req.execId());
        return true;
      } catch (IOException | IllegalStateException e) {
        // IllegalStateException: sshj's "Not connected", when the host closed the pooled connection
        // between the lease and the channel (its reader saw the EOF a moment before)
        SshConnectionPool.Lease failed = lease;
        failed.broken();
        boolean retry = failed.reused() && attempt == 0;
        release();
        if (!retry) {
          onContext(() -> end(ExecOutcome.FAILED, null, "host '" + req.hostId() + "' did not start the command: " + e.getMessage(),
              ErrorCode.HOST_UNREACHABLE));
          return false;
        }
        LOG.info("exec {}: a pooled connection to host {} would not open a channel ({}); on a new one", req.execId(),
            req.hostId(), e.toString());
      }
    }
  }

  private void pumpAndReport() {
    RemoteProcess p = proc;
    AtomicReference<IOException> stderrFailure = new AtomicReference<>();
    CountDownLatch stderrDone = new CountDownLatch(1);
    try {
      threads.start(RelayThreads.Kind.STDERR, () -> {
        try {
          p.pumpStderr(line -> onContext(() -> output(ExecEvent.Output.STDERR, line)));
        } catch (IOException e) {
          stderrFailure.set(e);
        } finally {
          stderrDone.countDown();
        }
      });
    } catch (OpsbusException e) {
      onContext(() -> end(ExecOutcome.FAILED, null, "could not read the command's output: " + e.getMessage(), e.code()));
      return;
    }
    IOException failure = null;
    try {
      p.pumpStdout(line -> onContext(() -> output(ExecEvent.Output.STDOUT, line)));
    } catch (IOException e) {
      failure = e;
    }
    try {
      stderrDone.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (failure == null) {
      failure = stderrFailure.get();
    }
    Integer status = failure == null ? p.exitStatus(KILL_GRACE_MS) : null;
    String signal = failure == null ? p.exitSignal() : null;
    ExecOutcome why = endRequested.get();
    ExecOutcome outcome;
    String message;
    if (why != null) {
      outcome = why;
      message = endMessage + "; the remote command was stopped";
    } else if (failure != null) {
      outcome = ExecOutcome.FAILED;
      message = "the connection to host '" + req.hostId() + "' was lost while the command ran";
    } else if (status != null && status == 0) {
      outcome = ExecOutcome.COMPLETED;
      message = "exited with status 0";
    } else {
      outcome = ExecOutcome.FAILED;
      message = status != null ? "exited with status " + status
          : signal != null ? "killed by signal " + signal : "ended without an exit status";
    }
    ExecOutcome o = outcome;
    String m = message;
    onContext(() -> end(o, status, m, null));
  }

  private void startKill() {
    try {
      threads.start(RelayThreads.Kind.KILL, this::kill);
    } catch (OpsbusException e) {
      // no thread to kill it with: cutting its channel at least ends what waits on it here
      LOG.warn("exec {}: {}; closing its channel instead of killing the remote command", req.execId(), e.getMessage());
      vertx.executeBlocking(() -> {
        closeQuietly();
        return null;
      }, false);
    }
  }

  /** Kills the remote process tree once; if the streams do not end soon after, cuts the command's channel. */
  private void kill() {
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
    onContext(() -> vertx.setTimer(KILL_GRACE_MS, t -> {
      if (!ended) {
        LOG.warn("exec {}: the command did not end after the kill; closing its channel", req.execId());
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
      if (!client.isConnected()) {
        markBroken();
      }
      closeQuietly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Closes this command's channel, never the shared connection: other commands may run on it. A
   * connection that is gone is marked broken, so the pool closes it when its last lease comes back.
   */
  private void closeQuietly() {
    RemoteProcess p = proc;
    if (p != null) {
      p.close();
    }
    SSHClient c = ssh;
    if (c != null && !c.isConnected()) {
      markBroken();
    }
  }

  private void markBroken() {
    SshConnectionPool.Lease l = lease;
    if (l != null) {
      l.broken();
    }
  }

  /** Gives the connection back to the pool (once; later calls do nothing). */
  private void release() {
    SshConnectionPool.Lease l = lease;
    if (l != null) {
      l.close();
    }
  }
}
