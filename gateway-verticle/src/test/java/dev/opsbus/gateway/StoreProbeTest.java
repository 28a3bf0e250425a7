package dev.opsbus.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.db.StoreHealth;
import dev.opsbus.testkit.Await;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The store probe asks whether the database answers, not how busy the node's pool is: while every
 * connection of a pool is taken by long queries (a burst of hundreds of starts did that in the
 * operations bench, and the gateway then refused HTTP calls {@code store_unavailable} for seconds),
 * a probe on that pool reports the database gone, and the probe on its own connection
 * ({@link StoreHealth#probePool}) keeps saying it is up.
 */
class StoreProbeTest {

  @Test
  void aBusyPoolDoesNotMakeTheDatabaseLookGone() {
    TestDatabase.start();
    Vertx vertx = Vertx.vertx();
    Pool busy = PgBuilder.pool().with(StoreHealth.poolOptions(2)).connectingTo(TestDatabase.connectOptions()).using(vertx).build();
    Pool probe = StoreHealth.probePool(PgBuilder.pool(), TestDatabase.connectOptions(), vertx);
    StoreHealth onBusyPool = new StoreHealth(vertx, busy, "probed on the busy pool");
    StoreHealth onItsOwn = new StoreHealth(vertx, probe, "probed on its own connection");
    List<Future<?>> work = new ArrayList<>();
    try {
      // both connections of the pool taken, and more queued behind them
      for (int i = 0; i < 6; i++) {
        work.add(busy.query("SELECT pg_sleep(2)").execute());
      }
      vertx.runOnContext(v -> {
        onBusyPool.start();
        onItsOwn.start();
      });
      Await.until("the probe queued behind the pool's work times out", Duration.ofSeconds(20), onBusyPool::down);
      assertThat(onItsOwn.down()).as("the probe on its own connection, asked as often meanwhile").isFalse();
      assertThat(onItsOwn.reason()).isEmpty();
      Await.result(Future.all(work), Duration.ofSeconds(30));
    } finally {
      vertx.runOnContext(v -> {
        onBusyPool.stop();
        onItsOwn.stop();
      });
      Await.result(vertx.close());
    }
  }
}
