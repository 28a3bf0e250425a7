package dev.opsbus.operations;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.Json;
import dev.opsbus.model.event.Operation;
import dev.opsbus.model.wire.StartOperation;
import dev.opsbus.testkit.Await;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Starts that arrive while a start statement runs are written together, by the next statement: each
 * is answered as if written alone (inserted with its first change, or the operation that refused
 * it), and one bad start fails alone.
 */
class StartBatchTest {

  private static final String NODE = "node-batch";

  private static <T> T result(Future<T> f) {
    return Await.result(f, Duration.ofSeconds(30));
  }

  /** Runs {@code starts} on one context, all in one go (so they queue behind the first statement). */
  private static List<StartStatement.Result> startTogether(Vertx vertx, StartStatement statement, List<StartOperation> starts) {
    Promise<List<StartStatement.Result>> all = Promise.promise();
    vertx.runOnContext(v -> {
      List<Future<StartStatement.Result>> each = new ArrayList<>();
      for (StartOperation s : starts) {
        each.add(statement.execute(s, "user:alice"));
      }
      Future.join(each).onComplete(ar -> all.complete(each.stream().map(f -> f.succeeded() ? f.result() : null).toList()));
    });
    return result(all.future());
  }

  private Vertx vertx;
  private Pool pool;
  /** One statement at a time: the starts sent while it runs queue, and the next one takes them all. */
  private StartStatement statement;

  @BeforeEach
  void setUp() {
    TestDatabase.reset();
    vertx = Vertx.vertx();
    pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1)).connectingTo(TestDatabase.connectOptions()).using(vertx).build();
    statement = new StartStatement(pool, NODE, Duration.ofMinutes(5), 1);
  }

  @AfterEach
  void tearDown() {
    result(vertx.close());
  }

  private static StartOperation start(String host, String key) {
    return new StartOperation(host, "batch_t", Map.of("p", host), StartOperation.BY_USER, "alice", key, Map.of());
  }

  @Test
  void startsArrivingTogetherAreWrittenByOneStatementAndEachHasItsOperationAndChange() {
    List<StartOperation> starts = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      starts.add(start("h" + i, null));
    }
    List<StartStatement.Result> results = startTogether(vertx, statement, starts);

    // the first went alone, at once; the 39 that queued behind it went in one statement
    assertThat(statement.statements()).isEqualTo(2);
    assertThat(statement.written()).isEqualTo(40);
    for (int i = 0; i < 40; i++) {
      StartStatement.Result r = results.get(i);
      assertThat(r.found()).isEqualTo(StartStatement.Found.INSERTED);
      assertThat(r.op().hostId()).isEqualTo("h" + i);
      assertThat(r.op().params()).containsEntry("p", "h" + i);
      // what is published is what the change log holds under that seq
      Row change = result(pool.preparedQuery("SELECT operation_id, version, snapshot FROM operation_changes WHERE seq = $1")
          .execute(Tuple.of(r.op().seq()))).iterator().next();
      assertThat(change.getUUID("operation_id")).isEqualTo(UUID.fromString(r.op().id()));
      assertThat(change.getLong("version")).isEqualTo(1L);
      JsonObject published = r.published().copy();
      published.remove("seq");
      assertThat(new JsonObject(change.getJsonObject("snapshot").encode())).isEqualTo(published);
      Operation stored = result(new OperationStore(pool).get(UUID.fromString(r.op().id()))).orElseThrow();
      assertThat(stored.status()).isEqualTo(Operation.PENDING);
      assertThat(stored.nodeId()).isEqualTo(NODE);
      assertThat(Json.toJsonObject(stored).getString("createdAt")).isEqualTo(published.getString("createdAt"));
    }
  }

  @Test
  void aSecondStartOfTheSameHostInOneBatchIsRefusedAndAsksAgainWhileAKeyFindsItsOperation() {
    StartStatement.Result keyed = startTogether(vertx, statement, List.of(start("k", "key-1"))).get(0);
    assertThat(keyed.found()).isEqualTo(StartStatement.Found.INSERTED);

    // one statement in flight (h0), then a batch of: h1, h1 again, the key again, h2
    List<StartStatement.Result> results = startTogether(vertx, statement,
        List.of(start("h0", null), start("h1", null), start("h1", null), start("k", "key-1"), start("h2", null)));

    assertThat(results.get(0).found()).isEqualTo(StartStatement.Found.INSERTED);
    assertThat(results.get(1).found()).isEqualTo(StartStatement.Found.INSERTED);
    // refused by the row its own batch inserted, which the statement's reads cannot see: ask again
    assertThat(results.get(2).found()).isEqualTo(StartStatement.Found.NONE);
    assertThat(results.get(3).found()).isEqualTo(StartStatement.Found.KEY);
    assertThat(results.get(3).op().id()).isEqualTo(keyed.op().id());
    assertThat(results.get(4).found()).isEqualTo(StartStatement.Found.INSERTED);
    // asked again, the second start of h1 finds the active one
    StartStatement.Result again = startTogether(vertx, statement, List.of(start("h1", null))).get(0);
    assertThat(again.found()).isEqualTo(StartStatement.Found.ACTIVE);
    assertThat(again.op().id()).isEqualTo(results.get(1).op().id());
    assertThat(statement.statements()).isEqualTo(4);
  }

  @Test
  void aStartTheDatabaseRefusesFailsAloneAndTheRestOfItsBatchIsWritten() {
    // created_by outside the table's check (the service never sends one; the database is the last guard)
    StartOperation bad = new StartOperation("bad", "batch_t", Map.of(), "robot", "alice", null, Map.of());
    List<StartStatement.Result> results = startTogether(vertx, statement,
        List.of(start("h0", null), start("h1", null), bad, start("h2", null)));

    assertThat(results.get(0).found()).isEqualTo(StartStatement.Found.INSERTED);
    assertThat(results.get(1).found()).isEqualTo(StartStatement.Found.INSERTED);
    assertThat(results.get(2)).as("the bad start's future failed").isNull();
    assertThat(results.get(3).found()).isEqualTo(StartStatement.Found.INSERTED);
    long rows = result(pool.query("SELECT count(*) FROM operations").execute()).iterator().next().getLong(0);
    assertThat(rows).isEqualTo(3);
  }
}
