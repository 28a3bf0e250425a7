package dev.opsbus.operations;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Operations and activity: the lifecycle of long-running operations (deduplicated per host and
 * type across the cluster, persisted, run through the SSH relay, every change published with its
 * version), schedules, the node-lost sweep, and the persisted activity log.
 */
public class OperationsVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(OperationsVerticle.class);

  private final OperationsConfig config;
  private Pool pool;
  private OperationService service;
  private OperationRunner runner;
  private NodeLiveness liveness;
  private Scheduler scheduler;
  private ActivityLog activity;

  public OperationsVerticle(OperationsConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(config.dbPoolSize())).connectingTo(config.db()).using(vertx).build();
    List<OperationType> types = new ArrayList<>(OperationType.builtIns());
    for (OperationsConfig.CommandOperation c : config.commands()) {
      if (types.stream().anyMatch(t -> t.name().equals(c.name()))) {
        return Future.failedFuture(new IllegalArgumentException("operation type '" + c.name() + "' is defined twice"));
      }
      types.add(OperationType.from(c));
    }
    OperationStore store = new OperationStore(pool);
    OperationEvents events = new OperationEvents(vertx, config.nodeId());
    runner = new OperationRunner(vertx, store, events);
    service = new OperationService(vertx, config.nodeId(), store, runner, events, types);
    liveness = new NodeLiveness(vertx, config, store, events);
    scheduler = new Scheduler(vertx, pool, config, service.types());
    // the activity log is kept as long as finished operations (operations.retentionDays)
    activity = new ActivityLog(vertx, pool, config.retention());
    return Future.all(service.start(), activity.start())
        .compose(v -> liveness.start())
        .compose(v -> scheduler.start())
        .onSuccess(v -> LOG.info("operations of node {} ready: types {}", config.nodeId(), service.types().keySet()));
  }

  @Override
  public Future<?> stop() {
    if (liveness != null) {
      liveness.stop();
    }
    if (runner != null) {
      runner.stopAll();
    }
    Future<?> s = scheduler == null ? Future.succeededFuture() : scheduler.stop();
    Future<?> a = activity == null ? Future.succeededFuture() : activity.stop();
    Future<?> o = service == null ? Future.succeededFuture() : service.stop();
    return Future.join(s, a, o).eventually(() -> pool == null ? Future.succeededFuture() : pool.close());
  }
}
