package dev.opsbus.operations;

import dev.opsbus.model.event.Operation;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Nothing stays stuck: every node beats into {@code operation_nodes}; every node also sweeps for
 * active operations whose owner has not beaten for {@code nodeLostAfter}, and fails them with
 * reason {@code node_lost}. This covers a node killed outright and, at start, operations left
 * behind by nodes that are gone. It leans on the database, which every node shares, rather than on
 * cluster membership, so it works whatever the cluster manager says and across restarts. Finished
 * operations past the retention are pruned on the same beat, hourly.
 */
final class NodeLiveness {

  private static final Logger LOG = LoggerFactory.getLogger(NodeLiveness.class);

  private final Vertx vertx;
  private final OperationsConfig config;
  private final OperationStore store;
  private final OperationEvents events;
  private long timer = -1;
  private long lastPrune;

  NodeLiveness(Vertx vertx, OperationsConfig config, OperationStore store, OperationEvents events) {
    this.vertx = vertx;
    this.config = config;
    this.store = store;
    this.events = events;
  }

  Future<Void> start() {
    return store.heartbeat(config.nodeId()).compose(v -> sweep()).onSuccess(v ->
        timer = vertx.setPeriodic(config.heartbeat().toMillis(), t -> store.heartbeat(config.nodeId())
            .compose(x -> sweep())
            .onFailure(err -> LOG.warn("operations heartbeat of node {} failed: {}", config.nodeId(), err.getMessage()))));
  }

  void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
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
    return pruning.compose(v -> store.orphaned(config.nodeLostAfter().toSeconds())).compose(orphans -> {
      Future<Void> all = Future.succeededFuture();
      for (Operation op : orphans) {
        all = all.compose(x -> fail(op));
      }
      return all;
    });
  }

  /** Fails a dead node's operation with node_lost, unless someone finished it first. */
  Future<Void> fail(Operation op) {
    String why = "node_lost: node " + op.nodeId() + " that ran it stopped responding";
    return store.change(UUID.fromString(op.id()), Operation.FAILED, null, "node lost", why,
            new JsonObject().put("reason", "node_lost").put("resolvedBy", config.nodeId()))
        .onSuccess(changed -> changed.ifPresent(c -> {
          LOG.warn("operation {} {} on {}: failed by node {}: {}", c.id(), c.operationType(), c.hostId(), config.nodeId(), why);
          events.changed(c);
        }))
        .mapEmpty();
  }
}
