package dev.opsbus.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Tuple;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The peer of the {@code ops} scenario's accepted starts: plain single-row INSERTs (an operation-like
 * row: uuid, host, type, jsonb) into the node's own PostgreSQL, from the generator's JVM, over as many
 * connections as the node's operations pool, with as many in flight as the round's HTTP requests.
 * Measured right before each round, so both see the same machine and load; the scenario reports its
 * accepted starts per second as a ratio of this rate. Its scratch table is dropped at the end.
 */
final class PeerInserts {

  private final Pool pool;
  private int batch;

  private PeerInserts(Pool pool) {
    this.pool = pool;
  }

  /** The peer on the embedded PostgreSQL of the node (its port, its password file), or null without a port. */
  static PeerInserts open(Vertx vertx, int port, String passwordFile, int poolSize) throws Exception {
    if (port <= 0 || passwordFile == null) {
      return null;
    }
    String password = Files.readString(Path.of(passwordFile)).trim();
    PgConnectOptions db = new PgConnectOptions().setHost("127.0.0.1").setPort(port).setDatabase("postgres").setUser("postgres")
        .setPassword(password).setCachePreparedStatements(true);
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(poolSize)).connectingTo(db).using(vertx).build();
    await(pool.query("CREATE TABLE IF NOT EXISTS bench_peer_inserts (id uuid PRIMARY KEY, host_id text NOT NULL, type text NOT NULL, "
        + "params jsonb NOT NULL DEFAULT '{}', created_at timestamptz NOT NULL DEFAULT now())").execute());
    return new PeerInserts(pool);
  }

  /** Inserts {@code n} rows with at most {@code inFlight} at once; rows per second. */
  double rate(int n, int inFlight) throws Exception {
    int round = ++batch;
    AtomicInteger next = new AtomicInteger();
    Promise<Void> done = Promise.promise();
    AtomicInteger finished = new AtomicInteger();
    long t0 = System.nanoTime();
    long[] end = new long[1];
    for (int i = 0; i < Math.min(n, inFlight); i++) {
      one(n, round, next, finished, done, end);
    }
    done.future().toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    return n / ((end[0] - t0) / 1e9);
  }

  private void one(int n, int round, AtomicInteger next, AtomicInteger finished, Promise<Void> done, long[] end) {
    int i = next.getAndIncrement();
    if (i >= n) {
      return;
    }
    pool.preparedQuery("INSERT INTO bench_peer_inserts (id, host_id, type, params) VALUES ($1, $2, $3, $4)")
        .execute(Tuple.of(UUID.randomUUID(), "peer-" + round + "-" + i, "bench_true", new JsonObject()))
        .onComplete(ar -> {
          if (ar.failed()) {
            done.tryFail(ar.cause());
            return;
          }
          if (finished.incrementAndGet() == n) {
            end[0] = System.nanoTime();
            done.tryComplete();
          } else {
            one(n, round, next, finished, done, end);
          }
        });
  }

  void close() {
    try {
      await(pool.query("DROP TABLE IF EXISTS bench_peer_inserts").execute());
    } catch (Exception e) {
      System.err.println("peer: could not drop its table: " + e.getMessage());
    }
    try {
      await(pool.close());
    } catch (Exception e) {
      // closing only
    }
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
