package dev.opsbus.operations;

import dev.opsbus.model.wire.ReplayAnswer;
import dev.opsbus.model.wire.ReplayRequest;
import dev.opsbus.model.Addresses;
import dev.opsbus.model.BusFailures;
import dev.opsbus.model.BusIdentity;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.Json;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.Principal;
import dev.opsbus.model.Role;
import dev.opsbus.model.db.StoreFailures;
import dev.opsbus.model.db.StoreHealth;
import dev.opsbus.model.event.Operation;
import dev.opsbus.model.wire.OperationQuery;
import dev.opsbus.model.wire.OperationRef;
import dev.opsbus.model.wire.StartOperation;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operations API on the bus: {@code ops.start} (one active operation per host and type,
 * cluster-wide; a repeated idempotency key answers the operation its caller started with it, see
 * {@link IdempotencyScope}),
 * {@code ops.cancel}, {@code ops.get}, {@code ops.list}. Viewers watch, operators start and cancel
 * on hosts they are granted, admins everything. Every refusal fails the request with a code.
 */
final class OperationService {

  private static final Logger LOG = LoggerFactory.getLogger(OperationService.class);

  private final Vertx vertx;
  private final String nodeId;
  private final OperationStore store;
  private final OperationRunner runner;
  private final Fences fences;
  private final StartStatement startStatement;
  private final OperationEvents events;
  /** The hosts table belongs to the gateway: whether a host exists is asked of it (a yes remembered a while). */
  private final KnownHosts hosts;
  private final Map<String, OperationType> types = new LinkedHashMap<>();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private final StoreHealth health;
  private MessageConsumer<JsonObject> starts;

  OperationService(Vertx vertx, String nodeId, OperationStore store, StartStatement startStatement, OperationRunner runner, OperationEvents events,
      List<OperationType> types, StoreHealth health, Fences fences) {
    this.fences = fences;
    this.startStatement = startStatement;
    this.vertx = vertx;
    this.health = health;
    this.nodeId = nodeId;
    this.store = store;
    this.runner = runner;
    this.events = events;
    this.hosts = new KnownHosts(vertx);
    types.forEach(t -> this.types.put(t.name(), t));
  }

  Map<String, OperationType> types() {
    return types;
  }

  Future<Void> start() {
    starts = serve(Addresses.OPS_START, this::start);
    serve(Addresses.OPS_CANCEL, this::cancel);
    serve(Addresses.OPS_GET, this::get);
    serve(Addresses.OPS_LIST, this::list);
    serve(Addresses.OPS_TYPES, this::types);
    // the owner of an operation kills its command: cancels from other nodes come here
    MessageConsumer<JsonObject> remote = vertx.eventBus().consumer(Addresses.OPS_NODE_CANCEL.format(nodeId),
        m -> reply(m, runner.cancel(m.body().getString("operationId")).map(v -> new JsonObject().put("cancelling", true))));
    consumers.add(remote);
    List<Future<?>> ready = new ArrayList<>(consumers.stream().map(MessageConsumer::completion).toList());
    ready.add(hosts.start());
    return Future.all(ready).mapEmpty();
  }

  Future<Void> stop() {
    List<Future<?>> gone = new ArrayList<>(consumers.stream().map(MessageConsumer::unregister).toList());
    gone.add(hosts.stop());
    return Future.join(gone).mapEmpty();
  }

  /** The node is draining: new starts go to the other nodes (the bus stops routing ops.start here). */
  Future<Void> stopStarts() {
    if (starts == null) {
      return Future.succeededFuture();
    }
    consumers.remove(starts);
    Future<Void> gone = starts.unregister();
    starts = null;
    return gone;
  }

  private MessageConsumer<JsonObject> serve(String address, Function<Message<JsonObject>, Future<JsonObject>> handler) {
    MessageConsumer<JsonObject> consumer = vertx.eventBus().<JsonObject>consumer(address, m -> {
      if (health.down() && !Addresses.OPS_TYPES.equals(address)) {
        // a query would wait on a database that cannot answer: ask it once, briefly, else say so now
        health.ready().onSuccess(v -> handle(address, handler, m)).onFailure(err -> reply(m, Future.failedFuture(err)));
      } else {
        handle(address, handler, m);
      }
    });
    consumers.add(consumer);
    return consumer;
  }

  private void handle(String address, Function<Message<JsonObject>, Future<JsonObject>> handler, Message<JsonObject> m) {
    Future<JsonObject> answer;
    try {
      answer = handler.apply(m);
    } catch (OpsbusException e) {
      answer = Future.failedFuture(e);
    } catch (RuntimeException e) {
      LOG.error("{} failed", address, e);
      answer = Future.failedFuture(new OpsbusException(ErrorCode.INTERNAL_ERROR, "the operations service failed on this request"));
    }
    reply(m, answer);
  }

  private void reply(Message<JsonObject> m, Future<JsonObject> answer) {
    answer.onSuccess(m::reply).onFailure(failure -> {
      health.failed(failure);
      Throwable err = StoreFailures.classify(failure);
      if (BusFailures.codeOf(err) == ErrorCode.INTERNAL_ERROR) {
        LOG.error("operations request on {} failed", m.address(), err);
      }
      BusFailures.fail(m, err, "the operations service failed");
    });
  }

  private static void requireHost(Principal p, String hostId) {
    if (p != null && !p.mayAccessHost(hostId)) {
      throw new OpsbusException(ErrorCode.ACCESS_DENIED, "user '" + p.username() + "' is not granted host '" + hostId + "'");
    }
  }

  // ---- ops.start ----

  private Future<JsonObject> start(Message<JsonObject> m) {
    StartOperation asked = StartOperation.parse(m.body());
    Principal caller = BusIdentity.of(m.headers());
    OperationType type = types.get(asked.type());
    if (type == null) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "type: unknown operation type '" + asked.type() + "' (known: " + String.join(", ", types.keySet()) + ")");
    }
    Map<String, String> params = type.validate(asked.params() == null ? null : new JsonObject(asked.params()));
    if (caller != null && !caller.hasAnyRole(type.roles())) {
      throw new OpsbusException(ErrorCode.ACCESS_DENIED, "user '" + caller.username() + "' may not start " + type.name() + " (roles " + caller.roles().stream().map(Role::wireName).sorted().toList() + ")");
    }
    requireHost(caller, asked.hostId());
    String createdBy = asked.createdBy() != null ? asked.createdBy() : caller == null ? StartOperation.BY_AUTO : StartOperation.BY_USER;
    if (caller != null && !StartOperation.BY_USER.equals(createdBy)) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "createdBy: must be user, cron or auto (users always start as user)");
    }
    String requestedBy = caller != null ? caller.username() : asked.requestedBy() != null ? asked.requestedBy() : createdBy;
    IdempotencyScope.key(asked.idempotencyKey());
    String scope = IdempotencyScope.of(caller, createdBy);
    StartOperation start = asked.resolved(params, createdBy, requestedBy);
    if (!runner.admit()) {
      return full(start, scope, type);
    }
    boolean[] kept = {false};
    // runs wait while starts are answered (see RunSlots): a burst is answered at the starts' own pace
    runner.answerBegan();
    return hosts.exists(start.hostId()).compose(exists -> {
      if (!exists) {
        return Future.failedFuture(new OpsbusException(ErrorCode.NOT_FOUND, "no host '" + start.hostId() + "'"));
      }
      return startOrAttach(start, scope, type, params, 2, kept);
    }).onComplete(ar -> {
      if (!kept[0]) {
        runner.release();
      }
      runner.answerEnded();
    });
  }

  /**
   * A start while this node holds as many operations as it may (see {@link RunSlots}): one that finds
   * its operation (this key's, or the active one of the host and type) is answered with it as
   * always; a new one is refused {@code unavailable}, and nothing is written.
   */
  private Future<JsonObject> full(StartOperation start, String scope, OperationType type) {
    String key = start.idempotencyKey();
    Future<Optional<Operation>> mine = key == null ? Future.succeededFuture(Optional.empty())
        : store.byIdempotencyKey(scope, start.hostId(), type.name(), key);
    return mine.compose(found -> found.isPresent() ? Future.succeededFuture(answer(replayAnswer(key, found.get()), found.get()))
        : store.active(start.hostId(), type.name()).compose(active -> active.isPresent()
            ? Future.succeededFuture(answer("already_running", active.get()))
            : Future.failedFuture(new OpsbusException(ErrorCode.UNAVAILABLE, "node " + nodeId + " holds " + runner.admitted()
                + " operations started or waiting to start, as many as it may (operations.maxRunning + operations.maxQueued): "
                + "try again later"))));
  }

  /**
   * One statement ({@link StartStatement}) inserts the operation unless a unique index refuses it,
   * and answers what the reply needs: the open fence it must wait for, or the operation that refused
   * it (this key's first one, else the active one of the host and type). Only its two rare races cost
   * another round trip (see {@link StartStatement}). {@code kept[0]}: the run took the admission.
   */
  private Future<JsonObject> startOrAttach(StartOperation start, String scope, OperationType type, Map<String, String> params, int tries,
      boolean[] kept) {
    String key = start.idempotencyKey();
    return startStatement.execute(start, scope).compose(result -> switch (result.found()) {
      case INSERTED -> {
        Operation op = result.op();
        JsonObject published = result.published() == null ? events.changed(op) : events.changed(op, result.published());
        LOG.info("operation {} {} on {} started by {} ({}) on node {}", op.id(), type.name(), start.hostId(), start.requestedBy(), start.createdBy(), nodeId);
        // an active one the statement saw ended while the insert waited: perhaps failed as lost, with a
        // fence committed after the statement's snapshot: read the fences again, now
        Future<Optional<String>> previous = result.openFence() != null || !result.contended()
            ? Future.succeededFuture(Optional.ofNullable(result.openFence()))
            : fences.openFor(start.hostId(), type.name());
        kept[0] = true;
        yield previous.recover(err -> {
          // the operation is in the database: it runs, failing the reply would strand it
          LOG.warn("operation {}: could not read the fences of {} again ({}); runs without waiting", op.id(), start.hostId(), err.getMessage());
          return Future.succeededFuture(Optional.empty());
        }).map(waitFor -> {
          if (waitFor.isEmpty()) {
            runner.run(op, type, params);
            return answer("started", op.id(), published);
          }
          LOG.info("operation {}: waits for the command of lost operation {} to be gone from {}", op.id(), waitFor.get(), start.hostId());
          runner.runAfter(op, type, params, waitFor.get(), fences);
          return answer("waiting_for_previous", op.id(), published).put("waitingFor", waitFor.get());
        });
      }
      // the insert lost to the same idempotency key (this very request asked before, or on another node too)
      case KEY -> Future.succeededFuture(answer(replayAnswer(key, result.op()), result.op()));
      case ACTIVE -> Future.succeededFuture(answer("already_running", result.op()));
      // refused by a row committed after the statement's snapshot (the running one finished between
      // the two, or a concurrent start with this key): ask once more
      case NONE -> tries > 0 ? startOrAttach(start, scope, type, params, tries - 1, kept)
          : Future.failedFuture(new OpsbusException(ErrorCode.UNAVAILABLE, "could not start the operation: try again"));
    });
  }

  /**
   * The answer to a start whose idempotency key found an operation: {@code started} when it is the
   * same HTTP request asked again (the gateway's per-request key) or the operation has ended,
   * {@code already_running} when another request with the key finds it running.
   */
  private static String replayAnswer(String key, Operation found) {
    return found.isActive() && !StartOperation.isPerRequestKey(key) ? "already_running" : "started";
  }

  private static JsonObject answer(String status, Operation op) {
    return answer(status, op.id(), Json.toJsonObject(op));
  }

  private static JsonObject answer(String status, String id, JsonObject op) {
    return new JsonObject().put("operationId", id).put("status", status).put("operation", op);
  }

  // ---- ops.cancel ----

  private Future<JsonObject> cancel(Message<JsonObject> m) {
    Principal caller = BusIdentity.of(m.headers());
    UUID id = OperationRef.parse(m.body()).uuid();
    if (caller != null && !caller.hasAnyRole(java.util.Set.of(Role.ADMIN, Role.OPERATOR))) {
      throw new OpsbusException(ErrorCode.ACCESS_DENIED, "user '" + caller.username() + "' may not cancel operations");
    }
    return store.get(id).compose(found -> {
      Operation op = found.orElseThrow(() -> new OpsbusException(ErrorCode.NOT_FOUND, "no operation " + id));
      requireHost(caller, op.hostId());
      if (!op.isActive()) {
        return Future.failedFuture(new OpsbusException(ErrorCode.INVALID_REQUEST, "operation " + id + " is already " + op.status()));
      }
      return vertx.eventBus().<JsonObject>request(Addresses.OPS_NODE_CANCEL.format(op.nodeId()), new JsonObject().put("operationId", op.id()))
          .map(r -> answer("cancelling", op))
          .recover(err -> {
            if (BusFailures.codeOf(err) == ErrorCode.NO_HANDLER) {
              // its node is gone: nobody runs it any more, so end it here
              return store.change(id, Operation.CANCELLED, null, "cancelled", null, new JsonObject().put("reason", "cancelled"))
                  .map(changed -> {
                    changed.ifPresent(events::changed);
                    return answer("cancelled", changed.orElse(op));
                  });
            }
            return Future.failedFuture(err);
          });
    });
  }

  // ---- ops.types ----

  /** Every type with its parameters, and whether the caller's roles may start it. */
  private Future<JsonObject> types(Message<JsonObject> m) {
    Principal caller = BusIdentity.of(m.headers());
    JsonArray out = new JsonArray();
    for (OperationType t : types.values()) {
      JsonArray params = new JsonArray();
      for (OperationsConfig.Param p : t.params()) {
        params.add(new JsonObject().put("name", p.name()).put("kind", p.kind()).put("pattern", p.pattern())
            .put("values", new JsonArray(p.values())).put("required", p.required()));
      }
      out.add(new JsonObject().put("name", t.name()).put("params", params)
          .put("roles", new JsonArray(t.roles().stream().map(Role::wireName).sorted().toList()))
          .put("timeoutSeconds", t.timeout().toSeconds())
          .put("mayStart", caller == null || caller.hasAnyRole(t.roles())));
    }
    return Future.succeededFuture(new JsonObject().put("types", out));
  }

  // ---- ops.get / ops.list ----

  private Future<JsonObject> get(Message<JsonObject> m) {
    Principal caller = BusIdentity.of(m.headers());
    UUID id = OperationRef.parse(m.body()).uuid();
    return store.get(id).map(found -> {
      Operation op = found.orElseThrow(() -> new OpsbusException(ErrorCode.NOT_FOUND, "no operation " + id));
      requireHost(caller, op.hostId());
      return Json.toJsonObject(op);
    });
  }

  /**
   * With {@code sinceSeq}: every change after it, in order (a resuming client's catch-up).
   * Without: the history, newest first, filtered and paged ({@code before}: a createdAt cursor).
   */
  private Future<JsonObject> list(Message<JsonObject> m) {
    Principal caller = BusIdentity.of(m.headers());
    OperationQuery q = OperationQuery.parse(m.body());
    String hostId = q.hostId();
    if (hostId != null) {
      requireHost(caller, hostId);
    }
    boolean all = caller == null || caller.hasRole(Role.ADMIN) || caller.hosts().contains(Principal.ALL_HOSTS);
    int limit = Math.max(1, Math.min(500, q.limit() == null ? 100 : q.limit()));
    if (q.isReplay() && q.sinceSeq() == null) {
      // a new bridge subscriber: the current state (see PermissionRule.replay)
      if (hostId == null && !all) {
        throw new OpsbusException(ErrorCode.ACCESS_DENIED, "only users granted every host may replay all operations");
      }
      return Future.all(store.currentState(hostId, 200), store.lastSeq())
          .map(f -> ReplayAnswer.of(f.<List<JsonObject>>resultAt(0), f.<Long>resultAt(1)).toJson());
    }
    if (q.sinceSeq() != null) {
      long since = q.sinceSeq();
      limit = q.isReplay() ? 1000 : limit;
      if (hostId == null && !all) {
        throw new OpsbusException(ErrorCode.INVALID_REQUEST, "hostId: required to resume (you are not granted every host)");
      }
      return Future.all(store.changesSince(hostId, since, limit), store.lastSeq())
          .map(f -> ReplayAnswer.of(f.<List<JsonObject>>resultAt(0), f.<Long>resultAt(1)).toJson());
    }
    OffsetDateTime before = q.beforeTime();
    return Future.all(store.list(hostId, q.status(), q.type(), before, limit), store.lastSeq()).map(f -> {
      List<Operation> ops = f.resultAt(0);
      JsonArray out = new JsonArray();
      for (Operation op : ops) {
        if (caller == null || caller.mayAccessHost(op.hostId())) {
          out.add(Json.toJsonObject(op));
        }
      }
      return new JsonObject().put("operations", out).put("lastSeq", f.<Long>resultAt(1));
    });
  }
}
