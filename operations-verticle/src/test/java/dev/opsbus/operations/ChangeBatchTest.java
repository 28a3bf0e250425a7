package dev.opsbus.operations;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.event.Operation;
import dev.opsbus.model.wire.StartOperation;
import dev.opsbus.testkit.Await;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.Context;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Changes of running operations that arrive while a change statement runs are written together by
 * the next one: each is written as if alone (its version, its snapshot under its seq), a change on
 * a row that moved on takes the slow way, one bad change fails alone, and two changes of one
 * operation never share a statement.
 */
class ChangeBatchTest {

  private static final String NODE = "node-changes";

  private static <T> T result(Future<T> f) {
    return Await.result(f, Duration.ofSeconds(30));
  }

  private Vertx vertx;
  private Pool pool;
  private Context context;
  /** One statement at a time: the changes sent while it runs queue, and the next one takes them. */
  private ChangeStatement changes;
  private OperationStore store;

  @BeforeEach
  void setUp() {
    TestDatabase.reset();
    vertx = Vertx.vertx();
    pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1)).connectingTo(TestDatabase.connectOptions()).using(vertx).build();
    context = vertx.getOrCreateContext();
    changes = new ChangeStatement(context, pool, 1);
    store = new OperationStore(pool, changes);
  }

  @AfterEach
  void tearDown() {
    result(vertx.close());
  }

  private List<Operation> started(int n) {
    List<Operation> ops = new ArrayList<>();
    OperationStore plain = new OperationStore(pool);
    for (int i = 0; i < n; i++) {
      StartOperation s = new StartOperation("h" + i, "change_t", Map.of(), StartOperation.BY_USER, "alice", null, Map.of());
      ops.add(result(plain.insertIfNone(s, NODE)).orElseThrow());
    }
    return ops;
  }

  /** Calls {@code each} for every item on the statement's context, in one go, and waits for all. */
  private <T, R> List<Optional<R>> together(List<T> items, Function<T, Future<R>> each) {
    Promise<List<Optional<R>>> all = Promise.promise();
    context.runOnContext(v -> {
      List<Future<R>> futures = new ArrayList<>();
      items.forEach(i -> futures.add(each.apply(i)));
      Future.join(futures).onComplete(ar -> all.complete(
          futures.stream().map(f -> f.succeeded() ? Optional.ofNullable(f.result()) : Optional.<R>empty()).toList()));
    });
    return result(all.future());
  }

  @Test
  void changesArrivingTogetherAreWrittenByOneStatementEachWithItsVersionAndSnapshot() {
    List<Operation> ops = started(40);
    List<Optional<OperationStore.Written>> written = together(ops,
        op -> store.write(op, Operation.IN_PROGRESS, 10, "running " + op.hostId(), null, new JsonObject().put("step", op.hostId()))
            .map(Optional::orElseThrow));

    // the first went alone, at once; the 39 that queued behind it went in one statement
    assertThat(changes.statements()).isEqualTo(2);
    assertThat(changes.written()).isEqualTo(40);
    for (int i = 0; i < 40; i++) {
      OperationStore.Written w = written.get(i).orElseThrow();
      assertThat(w.op().id()).isEqualTo(ops.get(i).id());
      assertThat(w.op().version()).isEqualTo(2);
      assertThat(w.op().status()).isEqualTo(Operation.IN_PROGRESS);
      assertThat(w.op().startedAt()).isNotNull();
      // what is published is what the change log holds under that seq, and the row is that version
      Row change = result(pool.preparedQuery("SELECT operation_id, version, snapshot FROM operation_changes WHERE seq = $1")
          .execute(Tuple.of(w.op().seq()))).iterator().next();
      assertThat(change.getUUID("operation_id")).isEqualTo(UUID.fromString(ops.get(i).id()));
      assertThat(change.getLong("version")).isEqualTo(2L);
      JsonObject published = w.published().copy();
      published.remove("seq");
      assertThat(new JsonObject(change.getJsonObject("snapshot").encode())).isEqualTo(published);
      Operation stored = result(store.get(UUID.fromString(ops.get(i).id()))).orElseThrow();
      assertThat(stored.version()).isEqualTo(2);
      assertThat(stored.message()).isEqualTo("running h" + i);
      assertThat(stored.metadata()).containsEntry("step", "h" + i);
      assertThat(stored.startedAt()).isEqualTo(w.op().startedAt());
      assertThat(stored.updatedAt()).isEqualTo(w.op().updatedAt());
    }
  }

  @Test
  void aChangeOnARowThatMovedOnIsWrittenOnTheRowAsItIs() {
    Operation op = started(1).get(0);
    Operation running = together(List.of(op), o -> store.write(o, Operation.IN_PROGRESS, 20, "running", null, null)
        .map(Optional::orElseThrow)).get(0).orElseThrow().op();
    assertThat(running.version()).isEqualTo(2);

    // written by a writer that still holds version 1 (another node changed it meanwhile)
    OperationStore.Written late = together(List.of(op), o -> store.write(o, Operation.COMPLETED, 100, "done", null, null)
        .map(Optional::orElseThrow)).get(0).orElseThrow();
    assertThat(late.op().version()).isEqualTo(3);
    assertThat(late.op().status()).isEqualTo(Operation.COMPLETED);
    assertThat(late.published()).as("built from the row as the database had it").isNull();
    assertThat(result(store.get(UUID.fromString(op.id()))).orElseThrow().status()).isEqualTo(Operation.COMPLETED);
  }

  @Test
  void aChangeTheDatabaseRefusesFailsAloneAndTheRestOfItsBatchIsWritten() {
    List<Operation> ops = started(5);
    // progress outside the table's check (the runner never sends one; the database is the last guard)
    List<Optional<OperationStore.Written>> written = together(ops,
        op -> store.write(op, Operation.IN_PROGRESS, op.hostId().equals("h2") ? 150 : 50, "running", null, null)
            .map(Optional::orElseThrow));

    for (int i = 0; i < 5; i++) {
      if (i == 2) {
        assertThat(written.get(i)).as("the bad change's future failed").isEmpty();
        assertThat(result(store.get(UUID.fromString(ops.get(i).id()))).orElseThrow().version()).isEqualTo(1);
      } else {
        assertThat(written.get(i).orElseThrow().op().version()).isEqualTo(2);
        assertThat(result(store.get(UUID.fromString(ops.get(i).id()))).orElseThrow().progress()).isEqualTo(50);
      }
    }
  }

  @Test
  void twoChangesOfOneOperationGoInTwoStatementsInTheOrderTheyCame() {
    List<Operation> ops = started(2);
    Operation other = ops.get(0);
    Operation op = ops.get(1);
    UUID id = UUID.fromString(op.id());
    List<JsonObject> rows = List.of(row(other, 1, 2, "other"), row(op, 1, 2, "first"), row(op, 2, 3, "second"));
    List<UUID> ids = List.of(UUID.fromString(other.id()), id, id);
    List<Integer> order = List.of(0, 1, 2);
    List<Optional<Long>> seqs = together(order, i -> changes.execute(ids.get(i), rows.get(i)));

    // the other operation alone, then the first change, then the second (not in the first's batch)
    assertThat(changes.statements()).isEqualTo(3);
    assertThat(seqs).allSatisfy(s -> assertThat(s).isPresent());
    assertThat(seqs.get(2).orElseThrow()).isGreaterThan(seqs.get(1).orElseThrow());
    Operation stored = result(store.get(id)).orElseThrow();
    assertThat(stored.version()).isEqualTo(3);
    assertThat(stored.message()).isEqualTo("second");
  }

  private static JsonObject row(Operation op, long known, long version, String message) {
    return new JsonObject().put("id", op.id()).put("status", Operation.IN_PROGRESS).put("progress", 10).put("message", message)
        .put("error", null).put("metadata", new JsonObject()).put("version", version).put("updated_at", Instant.now().toString())
        .put("started_at", Instant.now().toString()).put("completed_at", null).put("known", known)
        .put("snapshot", new JsonObject().put("message", message).put("version", version));
  }
}
