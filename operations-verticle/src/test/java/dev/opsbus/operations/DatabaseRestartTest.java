package dev.opsbus.operations;

import static dev.opsbus.operations.OpsHarness.ADMIN;
import static dev.opsbus.operations.OpsHarness.OPERATOR;
import static dev.opsbus.operations.OpsHarness.request;
import static dev.opsbus.operations.OpsHarness.result;
import static dev.opsbus.operations.OpsHarness.until;
import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.wire.ExecEvent;
import dev.opsbus.model.wire.ExecOutcome;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL restarts while an operation runs, and the operation ends while it is down: the end is
 * recorded once the database is back, not dropped, and the host and type are free again.
 */
class DatabaseRestartTest {

  static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  void anOperationThatEndsWhileTheDatabaseIsDownIsRecordedCompletedOnceItIsBack() throws Exception {
    TestDatabase.reset();
    // the demo host is this machine: the command waits for a file the test creates while the database is down
    Path release = OpsHarness.dir.resolve("release-" + UUID.randomUUID());
    Vertx vertx = Vertx.vertx();
    OpsHarness.registerDemoHost(vertx);
    try (LogCapture retries = LogCapture.of(ChangeQueue.class)) {
      OpsHarness.deployRelay(vertx, "node-a");
      OpsHarness.deployOperations(vertx, OpsHarness.config("node-a", List.of(OpsHarness.command("gated",
          // output while the database is away makes changes that queue behind the one being retried
          "echo waiting; while [ ! -e '" + release + "' ]; do sleep 0.1; done; echo one; sleep 0.3; echo two; sleep 0.3; echo released"))));
      List<JsonObject> updates = new CopyOnWriteArrayList<>();
      MessageConsumer<JsonObject> watch = vertx.eventBus().consumer(Addresses.OPS_UPDATES_HOST.format("demo"), m -> updates.add(m.body()));
      result(watch.completion());

      String id = result(request(vertx, Addresses.OPS_START, new JsonObject().put("hostId", "demo").put("type", "gated"), OPERATOR))
          .getString("operationId");
      until("the command runs", WAIT, () -> updates.stream().anyMatch(u -> id.equals(u.getString("id")) && "waiting".equals(u.getString("message"))));
      List<ExecEvent.Exit> exits = new CopyOnWriteArrayList<>();
      MessageConsumer<JsonObject> stream = vertx.eventBus().consumer(Addresses.SSH_EXEC_STREAM.format(id), m -> {
        if (ExecEvent.fromJson(m.body()) instanceof ExecEvent.Exit exit) {
          exits.add(exit);
        }
      });
      result(stream.completion());

      TestDatabase.stopServer();
      try {
        Files.createFile(release);
        until("the command exited", WAIT, () -> !exits.isEmpty());
        assertThat(exits.get(0).outcome()).isEqualTo(ExecOutcome.COMPLETED);
        until("the runner failed to record the end and retries", WAIT, () -> !retries.lines("could not record a change").isEmpty());
        assertThat(updates.stream().filter(u -> id.equals(u.getString("id"))).map(u -> u.getString("status")))
            .as("nothing published as ended while nothing is recorded").doesNotContain("completed");
      } finally {
        TestDatabase.startServer();
      }

      until("the end is recorded and published", WAIT, () -> updates.stream()
          .anyMatch(u -> id.equals(u.getString("id")) && "completed".equals(u.getString("status"))));
      JsonObject op = result(request(vertx, Addresses.OPS_GET, new JsonObject().put("operationId", id), ADMIN));
      assertThat(op.getString("status")).isEqualTo("completed");
      assertThat(op.getInteger("progress")).isEqualTo(100);
      assertThat(op.getString("message")).isEqualTo("released");
      assertThat(statusInDatabase(id)).isEqualTo("completed");
      List<Long> versions = updates.stream().filter(u -> id.equals(u.getString("id"))).map(u -> u.getLong("version")).toList();
      assertThat(versions).as("every recorded version published once, in order")
          .isEqualTo(LongStream.rangeClosed(1, op.getLong("version")).boxed().toList());
      assertThat(retries.lines("change recorded after")).as("the retry says when it got through").isNotEmpty();

      // nothing holds the host and type any more: a new start runs
      JsonObject again = result(request(vertx, Addresses.OPS_START, new JsonObject().put("hostId", "demo").put("type", "gated"), OPERATOR));
      assertThat(again.getString("status")).isEqualTo("started");
      assertThat(again.getString("operationId")).isNotEqualTo(id);
    } finally {
      result(vertx.close());
    }
  }

  static String statusInDatabase(String id) throws Exception {
    try (Connection c = TestDatabase.start().getPostgresDatabase().getConnection();
         PreparedStatement st = c.prepareStatement("SELECT status FROM operations WHERE id = ?")) {
      st.setObject(1, UUID.fromString(id));
      try (ResultSet rs = st.executeQuery()) {
        assertThat(rs.next()).isTrue();
        return rs.getString(1);
      }
    }
  }
}
