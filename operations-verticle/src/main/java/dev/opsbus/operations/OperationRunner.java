package dev.opsbus.operations;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.BusFailures;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.event.Operation;
import dev.opsbus.model.wire.ExecCancel;
import dev.opsbus.model.wire.ExecEvent;
import dev.opsbus.model.wire.ExecOutcome;
import dev.opsbus.model.wire.ExecRequest;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs operations owned by this node on their host through the SSH relay's {@code ssh.exec}, and
 * turns the relay's stream ({@link ExecEvent}: steps, output lines, exit) into operation changes:
 * progress, a message per step, the error text on failure. Each operation's changes go through its
 * {@link ChangeQueue}, in order, and are never dropped; a run stays here until its last change is
 * written.
 */
final class OperationRunner {

  private static final Logger LOG = LoggerFactory.getLogger(OperationRunner.class);
  private static final long OUTPUT_UPDATE_MS = 250;

  private final Vertx vertx;
  private final String nodeId;
  private final OperationStore store;
  private final OperationEvents events;
  private final Map<String, Run> running = new HashMap<>();
  private final List<Promise<Void>> idleWaiters = new ArrayList<>();
  /** At most so many commands at once; the other admitted runs wait for a slot, in order. */
  private final RunSlots slots;

  OperationRunner(Vertx vertx, String nodeId, OperationStore store, OperationEvents events, RunSlots slots) {
    this.slots = slots;
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.store = store;
    this.events = events;
  }

  private final class Run {
    final Operation op;
    final ChangeQueue changes;
    final ArrayDeque<String> lastLines = new ArrayDeque<>();
    MessageConsumer<JsonObject> stream;
    long lines;
    long lastOutputUpdate;
    long watchdog = -1;
    boolean finished;
    boolean cancelRequested;
    /** The exec request went to this node's own relay (a cancel then goes there too, never across the cluster). */
    boolean localRelay = true;
    /** The relay answered the exec request: the command runs, or it never will. */
    boolean execAnswered;
    /** The exec request went out (a run waiting for a fence or for a slot has not sent it yet). */
    boolean execSent;
    /** Its place in the run slots, once it asked for one. */
    RunSlots.Ticket ticket;

    Run(Operation op) {
      this.op = op;
      this.changes = new ChangeQueue(vertx, store, events, op);
    }

    void change(String status, Integer progress, String message, String error, JsonObject meta) {
      changes.add(new ChangeQueue.Change(status, progress, message, error, meta));
    }

    void finish(String status, String message, String error, JsonObject meta) {
      if (finished) {
        return;
      }
      finished = true;
      slots.done(ticket);
      slots.release();
      // the freed slot may be held back by starts being answered: taken once they pause
      watchHold();
      changes.add(ChangeQueue.finishing(status, message, error, meta));
      if (stream != null) {
        stream.unregister();
      }
      if (watchdog >= 0) {
        vertx.cancelTimer(watchdog);
      }
      changes.drained().onComplete(v -> removed(op.id()));
    }
  }

  int active() {
    return running.size();
  }

  /** Takes an admission for a new start (see {@link RunSlots}); false when this node holds as many as it may. */
  boolean admit() {
    return slots.admit();
  }

  /** Gives back the admission of a start that created no run. */
  void release() {
    slots.release();
  }

  int admitted() {
    return slots.admitted();
  }

  /** Whether this node holds a live run of the operation (its command, or its last changes being written). */
  boolean runs(String opId) {
    return running.containsKey(opId);
  }

  /** Completes once no run is left (at once when none is). */
  Future<Void> idle() {
    if (running.isEmpty()) {
      return Future.succeededFuture();
    }
    Promise<Void> p = Promise.promise();
    idleWaiters.add(p);
    return p.future();
  }

  /**
   * The node is going away and its drain time is up: every run still going is ended with
   * {@code reason} (its command is asked to stop), and the future completes once those last
   * changes are written.
   */
  Future<Void> endAll(String reason, String why) {
    List<Future<Void>> written = new ArrayList<>();
    // the ones still waiting (for a slot or a fence) first: a slot freed by ending a running one must
    // not send a waiting one's command now
    List<Run> all = new ArrayList<>(running.values());
    all.sort(java.util.Comparator.comparing(r -> r.execSent));
    for (Run run : all) {
      if (!run.finished) {
        run.cancelRequested = true;
        sendCancel(run).onFailure(err -> LOG.debug("operation {}: cancel on shutdown: {}", run.op.id(), err.getMessage()));
        run.finish(Operation.FAILED, "node shut down", why, new JsonObject().put("reason", reason));
      }
      written.add(run.changes.drained());
    }
    return Future.join(written).mapEmpty();
  }

  private void removed(String opId) {
    running.remove(opId);
    if (running.isEmpty() && !idleWaiters.isEmpty()) {
      List<Promise<Void>> waiters = new ArrayList<>(idleWaiters);
      idleWaiters.clear();
      waiters.forEach(Promise::complete);
    }
  }

  /**
   * Starts the remote command of a new (pending) operation, admitted by {@link #admit}: now when a
   * run slot is free, else once one is (it stays pending meanwhile).
   */
  void run(Operation op, OperationType type, Map<String, String> params) {
    Run run = new Run(op);
    running.put(op.id(), run);
    run.ticket = submit(() -> startExec(run, type, params));
  }

  /** A timer that lets held runs take their slots once the starts pause (or waited long enough), or -1. */
  private long holdTimer = -1;

  private RunSlots.Ticket submit(Runnable start) {
    RunSlots.Ticket t = slots.submit(start);
    if (!RunSlots.granted(t)) {
      watchHold();
    }
    return t;
  }

  /** While runs are held back by starts being answered, looks again every {@link RunSlots#QUIET_MILLIS}. */
  private void watchHold() {
    if (holdTimer < 0 && slots.heldBack()) {
      holdTimer = vertx.setTimer(RunSlots.QUIET_MILLIS, id -> {
        holdTimer = -1;
        slots.fill();
        watchHold();
      });
    }
  }

  /** A start is being answered: runs wait for it (see {@link RunSlots}). */
  void answerBegan() {
    slots.answerBegan();
  }

  /** A start was answered. */
  void answerEnded() {
    slots.answerEnded();
    watchHold();
  }

  /**
   * Starts the remote command of a new (pending) operation once the fence of lost operation
   * {@code previous} is done (its command confirmed gone from the host) or the fencing timeout has
   * passed. Until then the operation waits, pending, and says so; a cancel ends it at once.
   */
  void runAfter(Operation op, OperationType type, Map<String, String> params, String previous, Fences fences) {
    Run run = new Run(op);
    running.put(op.id(), run);
    run.change(Operation.PENDING, null, "waiting for the command of the previous run (" + previous + "), whose node was lost, "
        + "to be stopped on the host", null, new JsonObject().put("waitingFor", previous));
    fences.await(previous).onComplete(ar -> {
      if (run.finished) {
        return;
      }
      String outcome = ar.succeeded() ? ar.result() : Fences.TIMED_OUT;
      String message = Fences.TIMED_OUT.equals(outcome)
          ? "the previous run's command was not confirmed gone within " + fences.timeout().toSeconds() + " s: starting anyway"
          : "the previous run's command is " + ("killed".equals(outcome) ? "stopped" : "gone") + ": starting";
      run.change(Operation.PENDING, null, message, null, new JsonObject().put("previousFence", outcome));
      run.ticket = submit(() -> startExec(run, type, params));
    });
  }

  private void startExec(Run run, OperationType type, Map<String, String> params) {
    Operation op = run.op;
    run.execSent = true;
    String execId = op.id();
    run.stream = vertx.eventBus().consumer(Addresses.SSH_EXEC_STREAM.format(execId), m -> onStream(run, m.body()));
    ExecRequest request = new ExecRequest(op.hostId(), execId, type.command(), params, type.timeout().toMillis());
    // if the relay goes silent, the operation still ends
    run.watchdog = vertx.setTimer(type.timeout().toMillis() + 30_000, t -> run.finish(Operation.FAILED, "no result",
        "timed out: no answer from the SSH relay within " + type.timeout().toSeconds() + " s", new JsonObject().put("reason", "timeout")));
    run.stream.completion()
        .compose(v -> exec(run, request))
        .onSuccess(started -> {
          run.execAnswered = true;
          if (run.cancelRequested) {
            // the cancel came while the relay was still connecting and may have missed the command:
            // the command runs now, so it is asked again (a second cancel of a dying command is harmless)
            sendCancel(run).onFailure(err -> LOG.debug("operation {}: cancel after start: {}", run.op.id(), err.getMessage()));
          }
        })
        .onFailure(err -> {
          run.execAnswered = true;
          if (run.cancelRequested) {
            run.finish(Operation.CANCELLED, "cancelled", null, new JsonObject().put("reason", "cancelled"));
            return;
          }
          OpsbusException why = BusFailures.explain(err, "SSH relay");
          run.finish(Operation.FAILED, "could not start", why.getMessage(), new JsonObject().put("reason", why.code().wireName()));
        });
  }

  /**
   * The command runs on this node's relay when it has one (the owner is then the node that runs it:
   * kill this node and its command goes with it); on any relay of the cluster otherwise.
   */
  private Future<Message<JsonObject>> exec(Run run, ExecRequest request) {
    DeliveryOptions opts = new DeliveryOptions().setSendTimeout(60_000);
    return vertx.eventBus().<JsonObject>request(Addresses.NODE_SSH_EXEC.format(nodeId), request.toJson(), opts)
        .recover(err -> {
          if (BusFailures.codeOf(err) != ErrorCode.NO_HANDLER) {
            return Future.failedFuture(err);
          }
          run.localRelay = false;
          return vertx.eventBus().request(Addresses.SSH_EXEC, request.toJson(), opts);
        });
  }

  /**
   * Asks the relay that runs the command to kill it. When that relay is this node's own, the cancel
   * is delivered locally: it reaches the relay that holds the command, with no cluster hop that could
   * miss a consumer still being registered.
   */
  private Future<Message<JsonObject>> sendCancel(Run run) {
    DeliveryOptions opts = new DeliveryOptions().setLocalOnly(run.localRelay);
    return vertx.eventBus().request(Addresses.SSH_EXEC_CANCEL, new ExecCancel(run.op.id()).toJson(), opts);
  }

  private void onStream(Run run, JsonObject body) {
    if (run.finished) {
      return;
    }
    ExecEvent ev;
    try {
      ev = ExecEvent.fromJson(body);
    } catch (IllegalArgumentException e) {
      LOG.debug("operation {}: ignoring a stream message that is no exec event: {}", run.op.id(), e.getMessage());
      return;
    }
    if (ev instanceof ExecEvent.Step step) {
      onStep(run, step);
    } else if (ev instanceof ExecEvent.Output output) {
      onOutput(run, output);
    } else if (ev instanceof ExecEvent.Exit exit) {
      onExit(run, exit);
    }
  }

  private static void onStep(Run run, ExecEvent.Step ev) {
    String step = ev.step() == null ? "" : ev.step();
    int progress = switch (step) {
      case "connecting" -> 10;
      case "authenticating" -> 20;
      case "running" -> 30;
      default -> 25;
    };
    run.change(Operation.IN_PROGRESS, progress, step + (step.equals("running") ? " " + run.op.operationType() : " to " + run.op.hostId()), null, null);
  }

  private static void onOutput(Run run, ExecEvent.Output ev) {
    String line = ev.line() == null ? "" : ev.line();
    run.lines++;
    run.lastLines.addLast((ev.isStderr() ? "! " : "") + line);
    if (run.lastLines.size() > 20) {
      run.lastLines.removeFirst();
    }
    long now = System.currentTimeMillis();
    if (now - run.lastOutputUpdate >= OUTPUT_UPDATE_MS) {
      run.lastOutputUpdate = now;
      int progress = (int) Math.min(90, 30 + 60 * (1 - Math.pow(0.9, run.lines)));
      run.change(Operation.IN_PROGRESS, progress, line.length() > 500 ? line.substring(0, 500) : line, null, null);
    }
  }

  private static void onExit(Run run, ExecEvent.Exit ev) {
    ExecOutcome outcome = ev.outcome() == null ? ExecOutcome.FAILED : ev.outcome();
    Integer status = ev.exitStatus();
    String tail = String.join("\n", run.lastLines);
    JsonObject meta = new JsonObject().put("exitStatus", status).put("outputLines", run.lines);
    switch (outcome) {
      case COMPLETED -> run.finish(Operation.COMPLETED, run.lastLines.isEmpty() ? "done" : run.lastLines.getLast(), null, meta);
      case CANCELLED -> run.finish(Operation.CANCELLED, "cancelled", null, meta.put("reason", "cancelled"));
      case TIMED_OUT -> run.finish(Operation.FAILED, "timed out", "timed out: " + (ev.message() == null ? "the command ran too long" : ev.message())
          + (tail.isEmpty() ? "" : "\n" + tail), meta.put("reason", "timeout"));
      default -> run.finish(Operation.FAILED, "failed", (status == null ? (ev.message() == null ? "the command failed" : ev.message())
          : "exit status " + status) + (tail.isEmpty() ? "" : "\n" + tail), meta.put("reason", "command_failed"));
    }
  }

  /** Cancels an operation this node runs: the relay kills the command and reports it cancelled. */
  Future<Void> cancel(String opId) {
    Run run = running.get(opId);
    if (run == null) {
      return Future.failedFuture(new OpsbusException(ErrorCode.NOT_FOUND, "operation " + opId + " is not running on this node"));
    }
    run.cancelRequested = true;
    if (!run.execSent) {
      // still waiting for a previous run's fence or for a run slot: nothing was started, nothing to stop
      run.finish(Operation.CANCELLED, "cancelled", null, new JsonObject().put("reason", "cancelled"));
      return Future.succeededFuture();
    }
    return sendCancel(run)
        .<Void>mapEmpty()
        .recover(err -> {
          if (!run.execAnswered) {
            // the relay has not got the command yet (or is still connecting): the run ends when the
            // relay answers, cancelled before it starts or killed right after (see run)
            return Future.succeededFuture();
          }
          // the command has ended already, or its relay is gone: end it here
          run.finish(Operation.CANCELLED, "cancelled", null, new JsonObject().put("reason", "cancelled"));
          return Future.succeededFuture();
        });
  }

  void stopAll() {
    for (Run run : running.values()) {
      run.changes.close();
      if (run.stream != null) {
        run.stream.unregister();
      }
      if (run.watchdog >= 0) {
        vertx.cancelTimer(run.watchdog);
      }
    }
    running.clear();
    idleWaiters.forEach(Promise::tryComplete);
    idleWaiters.clear();
  }
}
