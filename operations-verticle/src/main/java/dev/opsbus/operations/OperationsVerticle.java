package dev.opsbus.operations;

import dev.opsbus.model.db.StoreHealth;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
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
  /** The starts' own connections: an accepted start never queues behind the changes of running operations. */
  private Pool startPool;
  private Pool probePool;
  private OperationService service;
  private OperationRunner runner;
  private NodeLiveness liveness;
  private Scheduler scheduler;
  private ActivityLog activity;
  private StoreHealth health;
  private Republisher republisher;

  public OperationsVerticle(OperationsConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    // statements prepared once per connection: a start is then one round trip (see StartStatement)
    PgConnectOptions db = new PgConnectOptions(config.db()).setCachePreparedStatements(true);
    pool = PgBuilder.pool().with(StoreHealth.poolOptions(config.dbPoolSize())).connectingTo(db).using(vertx).build();
    startPool = PgBuilder.pool().with(StoreHealth.poolOptions(StartStatement.POOL_SIZE)).connectingTo(db).using(vertx).build();
    // probed on a connection of its own: the probe asks whether the database answers, not how long
    // the changes of a thousand running operations or a burst of starts queue for a connection
    probePool = StoreHealth.probePool(PgBuilder.pool(), db, vertx);
    health = new StoreHealth(vertx, probePool, "operations of node " + config.nodeId()).start();
    List<OperationType> types = new ArrayList<>(OperationType.builtIns());
    for (OperationsConfig.CommandOperation c : config.commands()) {
      if (types.stream().anyMatch(t -> t.name().equals(c.name()))) {
        return Future.failedFuture(new IllegalArgumentException("operation type '" + c.name() + "' is defined twice"));
      }
      types.add(OperationType.from(c));
    }
    // the changes of running operations go in batches on up to half the pool's connections: the rest
    // stay free for fences, schedules, activity rows and reads
    OperationStore store = new OperationStore(pool, new ChangeStatement(vertx, pool, Math.max(1, config.dbPoolSize() / 2)));
    OperationEvents events = new OperationEvents(vertx, config.nodeId());
    runner = new OperationRunner(vertx, config.nodeId(), store, events, new RunSlots(config.maxRunning(), config.maxQueued()));
    Fences fences = new Fences(vertx, pool, config.fencingTimeout());
    service = new OperationService(vertx, config.nodeId(), store, new StartStatement(startPool, config.nodeId(), fences.timeout()), runner, events, types,
        health, fences);
    liveness = new NodeLiveness(vertx, config, store, events, runner, health, fences);
    scheduler = new Scheduler(vertx, pool, config, service.types());
    // the activity log is kept as long as finished operations (operations.retentionDays)
    activity = new ActivityLog(vertx, pool, config.retention());
    // changes a departed node committed but never published reach this node's subscribers
    republisher = new Republisher(vertx, store, config.nodeId(), config.heartbeat().compareTo(Duration.ofSeconds(1)) < 0
        ? config.heartbeat() : Duration.ofSeconds(1));
    return Future.all(service.start(), activity.start(), republisher.start())
        .compose(v -> liveness.start())
        .compose(v -> scheduler.start())
        .onSuccess(v -> LOG.info("operations of node {} ready: types {}", config.nodeId(), service.types().keySet()));
  }

  /**
   * The node is going away: take no new start, fire no schedule here, let running operations finish
   * for up to {@code timeout}, then end the rest with reason {@code node_shutdown} (their commands
   * asked to stop) and write those last changes. Safe from any thread; completes when done.
   */
  public Future<Void> drain(Duration timeout) {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      if (service == null) {
        done.complete();
        return;
      }
      int running = runner.active();
      LOG.info("operations of node {} draining: no new starts; {} running operation(s) may finish within {} s",
          config.nodeId(), running, timeout.toSeconds());
      long t0 = System.currentTimeMillis();
      Future.join(service.stopStarts(), scheduler.stop())
          .transform(x -> StoreHealth.within(vertx, runner.idle(), timeout.toMillis()))
          .transform(ar -> {
            if (ar.succeeded()) {
              LOG.info("operations of node {} drained in {} ms", config.nodeId(), System.currentTimeMillis() - t0);
              return Future.<Void>succeededFuture();
            }
            LOG.warn("operations of node {}: {} operation(s) still running after {} s: ending them as node_shutdown",
                config.nodeId(), runner.active(), timeout.toSeconds());
            return runner.endAll("node_shutdown", "node_shutdown: node " + config.nodeId() + " shut down before it finished")
                .transform(written -> Future.<Void>succeededFuture());
          })
          .onComplete(ar -> done.complete());
    });
    return done.future();
  }

  @Override
  public Future<?> stop() {
    if (health != null) {
      health.stop();
    }
    if (liveness != null) {
      liveness.stop();
    }
    if (republisher != null) {
      republisher.stop();
    }
    if (runner != null) {
      runner.stopAll();
    }
    Future<?> s = scheduler == null ? Future.succeededFuture() : scheduler.stop();
    Future<?> a = activity == null ? Future.succeededFuture() : activity.stop();
    Future<?> o = service == null ? Future.succeededFuture() : service.stop();
    return Future.join(s, a, o)
        .eventually(() -> startPool == null ? Future.succeededFuture() : startPool.close())
        .eventually(() -> probePool == null ? Future.succeededFuture() : probePool.close())
        .eventually(() -> pool == null ? Future.succeededFuture() : pool.close());
  }
}
