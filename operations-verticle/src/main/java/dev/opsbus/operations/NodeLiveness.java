package dev.opsbus.operations;

import dev.opsbus.model.NodeLocal;
import dev.opsbus.model.db.StoreHealth;
import dev.opsbus.model.event.Operation;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Nothing stays stuck, and nothing alive is failed: every node beats into {@code operation_nodes};
 * every node sweeps for active operations whose owner has not beaten for {@code nodeLostAfter} and
 * fails them with reason {@code node_lost}, unless {@link Liveness} says the owner is alive (a live
 * cluster member) or the database has just come back (grace). Each node also sweeps itself: an
 * active operation of this node with no run here is failed {@code run_lost}. This covers a node
 * killed outright and, at start, operations left behind by nodes that are gone. Finished operations
 * past the retention are pruned on the same beat, hourly. An operation failed as lost opens a fence,
 * and every sweep works the open fences ({@link Fences}).
 */
final class NodeLiveness {

  private static final Logger LOG = LoggerFactory.getLogger(NodeLiveness.class);

  private final Vertx vertx;
  private final OperationsConfig config;
  private final OperationStore store;
  private final OperationEvents events;
  private final OperationRunner runner;
  private final StoreHealth health;
  private final Liveness liveness;
  private final Fences fences;
  /** Operations already reported as kept because their node is a live member (logged once each). */
  private final Set<String> keptAlive = new HashSet<>();
  private long timer = -1;
  private long lastPrune;
  private boolean graceLogged;

  NodeLiveness(Vertx vertx, OperationsConfig config, OperationStore store, OperationEvents events, OperationRunner runner, StoreHealth health,
      Fences fences) {
    this.fences = fences;
    this.vertx = vertx;
    this.config = config;
    this.store = store;
    this.events = events;
    this.runner = runner;
    this.health = health;
    this.liveness = new Liveness(config.nodeId(), config.heartbeat(), config.nodeLostAfter());
  }

  Future<Void> start() {
    return store.heartbeat(config.nodeId()).compose(v -> sweep()).onSuccess(v ->
        timer = vertx.setPeriodic(config.heartbeat().toMillis(), t -> beat()));
  }

  void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  private void beat() {
    if (health.down()) {
      liveness.beat(false, System.currentTimeMillis());
      return;
    }
    store.heartbeat(config.nodeId())
        .onComplete(ar -> liveness.beat(ar.succeeded(), System.currentTimeMillis()))
        .compose(x -> sweep())
        .onFailure(err -> LOG.warn("operations heartbeat of node {} failed: {}", config.nodeId(), err.getMessage()));
  }

  /** The opsbus node ids of the cluster's live members, or null when this node is not clustered. */
  private Set<String> members() {
    Object v = vertx.sharedData().getLocalMap(NodeLocal.MAP).get(NodeLocal.MEMBERS);
    if (!(v instanceof String s)) {
      return null;
    }
    return Arrays.stream(s.split(",")).filter(x -> !x.isBlank()).collect(Collectors.toSet());
  }

  Future<Void> sweep() {
    Future<Void> pruning = Future.succeededFuture();
    long now = System.currentTimeMillis();
    if (now - lastPrune > 3_600_000) {
      lastPrune = now;
      pruning = store.prune(config.retention().toSeconds()).onSuccess(n -> {
        if (n > 0) {
          LOG.info("pruned {} finished operations older than {} days", n, config.retention().toDays());
        }
      }).mapEmpty();
    }
    // a run failed as lost leaves a fence: its command is stopped on the host in the same sweep
    return pruning.compose(v -> sweepOwn()).compose(v -> sweepOthers()).compose(v -> fences.work());
  }

  /** Own operations quiet for {@code nodeLostAfter} with no run here (a run just starting is never that quiet). */
  private Future<Void> sweepOwn() {
    return store.activeOf(config.nodeId(), config.nodeLostAfter().toSeconds()).compose(ops -> {
      Future<Void> all = Future.succeededFuture();
      for (Operation op : ops) {
        if (liveness.own(op, runner.runs(op.id())) == Liveness.Verdict.RUN_LOST) {
          all = all.compose(x -> fail(op, "run_lost", "run lost",
              "run_lost: node " + op.nodeId() + " owns it but holds no run of it any more"));
        }
      }
      return all;
    });
  }

  private Future<Void> sweepOthers() {
    long now = System.currentTimeMillis();
    if (liveness.inGrace(now)) {
      if (!graceLogged) {
        graceLogged = true;
        LOG.info("node {}: the database is back; no node is declared lost for {} ms while every node beats again",
            config.nodeId(), liveness.graceUntil() - now);
      }
      return Future.succeededFuture();
    }
    graceLogged = false;
    return store.orphaned(config.nodeLostAfter().toSeconds()).compose(orphans -> {
      Set<String> members = members();
      keptAlive.retainAll(orphans.stream().map(Operation::id).collect(Collectors.toSet()));
      Future<Void> all = Future.succeededFuture();
      for (Operation op : orphans) {
        switch (liveness.staleOwner(op, members, now)) {
          case NODE_LOST -> all = all.compose(x -> fail(op, "node_lost", "node lost",
              "node_lost: node " + op.nodeId() + " that ran it stopped responding"));
          default -> {
            if (members != null && members.contains(op.nodeId()) && keptAlive.add(op.id())) {
              LOG.info("operation {}: node {} has not beaten for {} s but is a live cluster member: not failed",
                  op.id(), op.nodeId(), config.nodeLostAfter().toSeconds());
            }
          }
        }
      }
      return all;
    });
  }

  /**
   * Fails an operation nobody runs any more, unless someone finished it first, and opens its fence:
   * its command may still run on the host, and the next start of its host and type waits for it.
   */
  Future<Void> fail(Operation op, String reason, String message, String why) {
    return store.failFenced(UUID.fromString(op.id()), message, why,
            new JsonObject().put("reason", reason).put("resolvedBy", config.nodeId()))
        .onSuccess(changed -> changed.ifPresent(c -> {
          LOG.warn("operation {} {} on {}: failed by node {}: {}", c.id(), c.operationType(), c.hostId(), config.nodeId(), why);
          events.changed(c);
        }))
        .mapEmpty();
  }
}
