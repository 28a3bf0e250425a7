package dev.opsbus.operations;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.Json;
import dev.opsbus.model.event.Operation;
import dev.opsbus.model.wire.StartOperation;
import dev.opsbus.testkit.Await;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A running operation's change is one statement on top of the version its writer knows
 * ({@link OperationStore#changeFrom}): what it publishes is what the database holds, and a change
 * another writer made in between is neither lost nor overwritten.
 */
class OneStatementChangeTest {

  private static <T> T result(Future<T> f) {
    return Await.result(f, Duration.ofSeconds(30));
  }

  /** The published form without its seq, which the row does not carry. */
  private static JsonObject row(Operation op) {
    JsonObject json = Json.toJsonObject(op);
    json.remove("seq");
    return json;
  }

  @Test
  void theChangeWrittenIsWhatTheRowAndTheChangeLogHold() {
    TestDatabase.reset();
    Vertx vertx = Vertx.vertx();
    Pool pool = PgBuilder.pool().connectingTo(TestDatabase.connectOptions()).using(vertx).build();
    OperationStore store = new OperationStore(pool);
    try {
      Operation started = result(store.insertIfNone(new StartOperation("h1", "t", Map.of("p", "1"), "user", "ann", null,
          Map.of("m", "x")), "node-a")).orElseThrow();
      Operation running = result(store.changeFrom(started, Operation.IN_PROGRESS, 30, "running t", null, new JsonObject().put("a", 1)))
          .orElseThrow();
      assertThat(running.version()).isEqualTo(started.version() + 1);
      assertThat(running.startedAt()).isNotNull();
      assertThat(running.metadata()).containsEntry("m", "x").containsEntry("a", 1);
      UUID id = UUID.fromString(started.id());
      assertThat(row(result(store.get(id)).orElseThrow())).isEqualTo(row(running));
      Operation done = result(store.changeFrom(running, Operation.COMPLETED, 100, "done", null,
          new JsonObject().put("exitStatus", 0).putNull("reason"))).orElseThrow();
      assertThat(done.completedAt()).isNotNull();
      assertThat(done.startedAt()).isEqualTo(running.startedAt());
      assertThat(row(result(store.get(id)).orElseThrow())).isEqualTo(row(done));
      List<JsonObject> log = result(store.changesSince("h1", 0, 10));
      assertThat(log).hasSize(3);
      assertThat(log.get(1)).isEqualTo(Json.toJsonObject(running));
      assertThat(log.get(2)).isEqualTo(Json.toJsonObject(done));
      assertThat(result(store.changeFrom(done, null, null, "late", null, null))).as("an ended operation does not change").isEmpty();
    } finally {
      result(pool.close());
      result(vertx.close());
    }
  }

  @Test
  void aChangeOnTopOfAnOlderVersionKeepsWhatAnotherWriterChanged() {
    TestDatabase.reset();
    Vertx vertx = Vertx.vertx();
    Pool pool = PgBuilder.pool().connectingTo(TestDatabase.connectOptions()).using(vertx).build();
    OperationStore store = new OperationStore(pool);
    try {
      Operation started = result(store.insertIfNone(new StartOperation("h1", "t", Map.of(), "user", "ann", null, Map.of()), "node-a"))
          .orElseThrow();
      UUID id = UUID.fromString(started.id());
      Operation other = result(store.change(id, Operation.IN_PROGRESS, 50, "someone else", null, new JsonObject().put("b", 2)))
          .orElseThrow();
      Operation mine = result(store.changeFrom(started, null, null, "mine", null, new JsonObject().put("c", 3))).orElseThrow();
      assertThat(mine.version()).isEqualTo(other.version() + 1);
      assertThat(mine.status()).isEqualTo(Operation.IN_PROGRESS);
      assertThat(mine.progress()).isEqualTo(50);
      assertThat(mine.message()).isEqualTo("mine");
      assertThat(mine.metadata()).containsEntry("b", 2).containsEntry("c", 3);
      assertThat(row(result(store.get(id)).orElseThrow())).isEqualTo(row(mine));
      // ended by another writer: the stale writer's change does nothing
      result(store.change(id, Operation.FAILED, null, "lost", "node_lost", null));
      Optional<Operation> late = result(store.changeFrom(mine, Operation.COMPLETED, 100, "done", null, null));
      assertThat(late).isEmpty();
      assertThat(result(store.get(id)).orElseThrow().status()).isEqualTo(Operation.FAILED);
    } finally {
      result(pool.close());
      result(vertx.close());
    }
  }
}
