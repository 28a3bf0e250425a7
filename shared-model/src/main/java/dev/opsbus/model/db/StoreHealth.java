package dev.opsbus.model.db;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this node reaches its database now: a {@code SELECT 1} every {@link #PROBE_PERIOD}, given
 * {@link #PROBE_TIMEOUT} to answer (a paused server answers nothing, a restarting one refuses).
 * Callers that would otherwise wait on a query that cannot finish answer {@code store_unavailable}
 * at once while it is {@link #down()}; the first failing request of an outage is caught by its own
 * short pool timeout ({@link #poolOptions}).
 */
public final class StoreHealth {

  public static final Duration PROBE_PERIOD = Duration.ofMillis(1000);
  public static final Duration PROBE_TIMEOUT = Duration.ofMillis(1500);
  /**
   * How long a request waits for a pooled connection (a bound, where the default waits for ever):
   * long enough for a burst on a busy machine, short enough that an outage is answered.
   */
  public static final Duration ACQUIRE_TIMEOUT = Duration.ofSeconds(10);
  /** How long opening a TCP connection to the database may take. */
  public static final int CONNECT_TIMEOUT_MS = 2000;

  private static final Logger LOG = LoggerFactory.getLogger(StoreHealth.class);

  private final Vertx vertx;
  private final Pool pool;
  private final String who;
  private long timer = -1;
  private Future<Void> probing;
  private volatile boolean down;
  private volatile String reason = "";
  private volatile long changedAt = System.currentTimeMillis();

  public StoreHealth(Vertx vertx, Pool pool, String who) {
    this.vertx = vertx;
    this.pool = pool;
    this.who = who;
  }

  /** Pool options with the short acquire timeout: a request never waits long for a connection. */
  public static PoolOptions poolOptions(int maxSize) {
    return new PoolOptions().setMaxSize(maxSize)
        .setConnectionTimeout((int) ACQUIRE_TIMEOUT.toMillis()).setConnectionTimeoutUnit(TimeUnit.MILLISECONDS);
  }

  /**
   * A pool of one connection for the probe alone, from the owner's pool builder and connect options
   * (this module does not know PostgreSQL): probed on the owner's busy pool, the probe would wait
   * behind a burst of queries (hundreds of starts at once) and report a database that answers as
   * gone, so every caller would be refused {@code store_unavailable} for nothing.
   */
  public static <O extends io.vertx.sqlclient.SqlConnectOptions> Pool probePool(io.vertx.sqlclient.ClientBuilder<Pool> builder, O connect,
      Vertx vertx) {
    return builder.with(poolOptions(1)).connectingTo(connect).using(vertx).build();
  }

  public StoreHealth start() {
    timer = vertx.setPeriodic(PROBE_PERIOD.toMillis(), t -> probe());
    return this;
  }

  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  /** True from a probe that failed until one succeeds. */
  public boolean down() {
    return down;
  }

  /** Why the last probe failed ("" while up). */
  public String reason() {
    return reason;
  }

  /** Milliseconds since the database last went away or came back (since start when it never changed). */
  public long sinceChangeMillis() {
    return System.currentTimeMillis() - changedAt;
  }

  /** Marks the database away now, from a request that failed: the probe marks it back. */
  public void failed(Throwable err) {
    if (StoreFailures.isStoreDown(err)) {
      mark(true, String.valueOf(err.getMessage()));
    }
  }

  /**
   * Succeeds at once while the database is up; while it is down, asks it again (sharing a probe
   * under way) and succeeds if it is back, else fails {@code store_unavailable} within
   * {@link #PROBE_TIMEOUT}. Call on the owner's event loop.
   */
  public Future<Void> ready() {
    if (!down) {
      return Future.succeededFuture();
    }
    return probe().transform(ar -> down ? Future.failedFuture(StoreFailures.unavailable(null)) : Future.succeededFuture());
  }

  Future<Void> probe() {
    if (probing != null) {
      return probing;
    }
    Future<Void> p = within(vertx, pool.query("SELECT 1").execute().<Void>mapEmpty(), PROBE_TIMEOUT.toMillis())
        .andThen(ar -> {
          probing = null;
          mark(ar.failed(), ar.failed() ? String.valueOf(ar.cause().getMessage()) : "");
        });
    // a probe answered at once (a refused connection) is done before it could be shared
    probing = p.isComplete() ? null : p;
    return p;
  }

  /**
   * {@code f}, or a {@link TimeoutException} after {@code ms}, completed on the caller's context
   * (unlike {@code Future.timeout}, whose timer may fire on another thread). Call on an event loop.
   */
  public static <T> Future<T> within(Vertx vertx, Future<T> f, long ms) {
    Promise<T> p = Promise.promise();
    long timer = vertx.setTimer(ms, t -> p.tryFail(new TimeoutException("no answer within " + ms + " ms")));
    f.onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ar.succeeded()) {
        p.tryComplete(ar.result());
      } else {
        p.tryFail(ar.cause());
      }
    });
    return p.future();
  }

  private void mark(boolean nowDown, String why) {
    if (nowDown != down) {
      changedAt = System.currentTimeMillis();
      down = nowDown;
      if (nowDown) {
        LOG.warn("{}: the database is unavailable ({}); answering store_unavailable until it is back", who, why);
      } else {
        LOG.info("{}: the database is back", who);
      }
    }
    reason = nowDown ? why : "";
  }
}
