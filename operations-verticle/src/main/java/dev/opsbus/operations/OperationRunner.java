package dev.opsbus.operations;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.event.Operation;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs operations owned by this node on their host through the SSH relay's {@code ssh.exec}, and
 * turns the relay's stream (steps, output lines, exit) into operation changes: progress, a message
 * per step, the error text on failure. Changes of one operation are applied one after the other,
 * so versions and published snapshots come out in order.
 */
final class OperationRunner {

  private static final Logger LOG = LoggerFactory.getLogger(OperationRunner.class);
  private static final long OUTPUT_UPDATE_MS = 250;

  private final Vertx vertx;
  private final OperationStore store;
  private final OperationEvents events;
  private final Map<String, Run> running = new HashMap<>();

  OperationRunner(Vertx vertx, OperationStore store, OperationEvents events) {
    this.vertx = vertx;
    this.store = store;
    this.events = events;
  }

  private final class Run {
    final Operation op;
    final ArrayDeque<String> lastLines = new ArrayDeque<>();
    MessageConsumer<JsonObject> stream;
    Future<Void> chain = Future.succeededFuture();
    long lines;
    long lastOutputUpdate;
    long watchdog = -1;
    boolean finished;
    boolean cancelRequested;

    Run(Operation op) {
      this.op = op;
    }

    /** Applies one change after the previous one; a change to a finished operation is dropped. */
    void change(String status, Integer progress, String message, String error, JsonObject meta) {
      chain = chain.transform(ignored -> store.change(UUID.fromString(op.id()), status, progress, message, error, meta)
          .onSuccess(updated -> updated.ifPresent(events::changed))
          .onFailure(err -> LOG.error("operation {}: could not record a change: {}", op.id(), err.getMessage()))
          .<Void>mapEmpty()
          .recover(err -> Future.succeededFuture()));
    }

    void finish(String status, String message, String error, JsonObject meta) {
      if (finished) {
        return;
      }
      finished = true;
      change(status, Operation.COMPLETED.equals(status) ? 100 : null, message, error, meta);
      if (stream != null) {
        stream.unregister();
      }
      if (watchdog >= 0) {
        vertx.cancelTimer(watchdog);
      }
      chain.onComplete(v -> running.remove(op.id()));
    }
  }

  int active() {
    return running.size();
  }

  /** Starts the remote command of a new (pending) operation. */
  void run(Operation op, OperationType type, Map<String, String> params) {
    Run run = new Run(op);
    running.put(op.id(), run);
    String execId = op.id();
    run.stream = vertx.eventBus().consumer(Addresses.SSH_EXEC_STREAM.format(execId), m -> onStream(run, m.body()));
    // if the relay goes silent, the operation still ends
    run.watchdog = vertx.setTimer(type.timeout().toMillis() + 30_000, t -> run.finish(Operation.FAILED, "no result",
        "timed out: no answer from the SSH relay within " + type.timeout().toSeconds() + " s", new JsonObject().put("reason", "timeout")));
    run.stream.completion()
        .compose(v -> vertx.eventBus().<JsonObject>request(Addresses.SSH_EXEC, new JsonObject()
            .put("hostId", op.hostId())
            .put("execId", execId)
            .put("command", type.command())
            .put("params", new JsonObject(new HashMap<>(params)))
            .put("timeoutMs", type.timeout().toMillis()), new DeliveryOptions().setSendTimeout(60_000)))
        .onFailure(err -> {
          String text;
          ErrorCode code;
          if (err instanceof ReplyException re && re.failureType() == io.vertx.core.eventbus.ReplyFailure.NO_HANDLERS) {
            code = ErrorCode.UNAVAILABLE;
            text = "the SSH relay is not running on any node";
          } else if (err instanceof ReplyException re) {
            code = ErrorCode.fromFailureCode(re.failureCode());
            text = re.getMessage();
          } else {
            code = ErrorCode.INTERNAL_ERROR;
            text = String.valueOf(err.getMessage());
          }
          run.finish(Operation.FAILED, "could not start", text, new JsonObject().put("reason", code.wireName()));
        });
  }

  private void onStream(Run run, JsonObject ev) {
    if (run.finished) {
      return;
    }
    switch (String.valueOf(ev.getString("type"))) {
      case "exec_step" -> {
        String step = ev.getString("step", "");
        int progress = switch (step) {
          case "connecting" -> 10;
          case "authenticating" -> 20;
          case "running" -> 30;
          default -> 25;
        };
        run.change(Operation.IN_PROGRESS, progress, step + (step.equals("running") ? " " + run.op.operationType() : " to " + run.op.hostId()), null, null);
      }
      case "exec_output" -> {
        String line = ev.getString("line", "");
        run.lines++;
        run.lastLines.addLast(("stderr".equals(ev.getString("stream")) ? "! " : "") + line);
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
      case "exec_exit" -> {
        String outcome = ev.getString("outcome", "failed");
        Integer status = ev.getInteger("exitStatus");
        String tail = String.join("\n", run.lastLines);
        JsonObject meta = new JsonObject().put("exitStatus", status).put("outputLines", run.lines);
        switch (outcome) {
          case "completed" -> run.finish(Operation.COMPLETED, run.lastLines.isEmpty() ? "done" : run.lastLines.getLast(), null, meta);
          case "cancelled" -> run.finish(Operation.CANCELLED, "cancelled", null, meta.put("reason", "cancelled"));
          case "timed_out" -> run.finish(Operation.FAILED, "timed out", "timed out: " + ev.getString("message", "the command ran too long")
              + (tail.isEmpty() ? "" : "\n" + tail), meta.put("reason", "timeout"));
          default -> run.finish(Operation.FAILED, "failed", (status == null ? ev.getString("message", "the command failed")
              : "exit status " + status) + (tail.isEmpty() ? "" : "\n" + tail), meta.put("reason", "command_failed"));
        }
      }
      default -> {
        // other event types are for other listeners
      }
    }
  }

  /** Cancels an operation this node runs: the relay kills the command and reports it cancelled. */
  Future<Void> cancel(String opId) {
    Run run = running.get(opId);
    if (run == null) {
      return Future.failedFuture(new OpsbusException(ErrorCode.NOT_FOUND, "operation " + opId + " is not running on this node"));
    }
    run.cancelRequested = true;
    return vertx.eventBus().request(Addresses.SSH_EXEC_CANCEL, new JsonObject().put("execId", opId))
        .<Void>mapEmpty()
        .recover(err -> {
          // the command never started (or the relay is gone): end it here
          run.finish(Operation.CANCELLED, "cancelled", null, new JsonObject().put("reason", "cancelled"));
          return Future.succeededFuture();
        });
  }

  void stopAll() {
    for (Run run : running.values()) {
      if (run.stream != null) {
        run.stream.unregister();
      }
      if (run.watchdog >= 0) {
        vertx.cancelTimer(run.watchdog);
      }
    }
    running.clear();
  }
}
