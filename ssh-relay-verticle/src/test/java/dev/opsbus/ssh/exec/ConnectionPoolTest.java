package dev.opsbus.ssh.exec;

import static dev.opsbus.ssh.RelayFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.gateway.hosts.HostStore;
import dev.opsbus.model.Addresses;
import dev.opsbus.model.hosts.HostRecord;
import dev.opsbus.ssh.ConnectionPoolSettings;
import dev.opsbus.ssh.RelayFixture;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Commands share pooled SSH connections, against the real SSH server (which counts the connections
 * it accepts): reuse within the per-host bound, a dropped connection discarded, idle ones closed,
 * a cancel that ends only its own command, and a change of how a host is reached never reusing.
 */
@ExtendWith(VertxExtension.class)
class ConnectionPoolTest {

  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir
  Path dir;

  private RelayFixture fx;
  private ExecService exec;

  private void start(Vertx vertx, ConnectionPoolSettings pool) throws Exception {
    fx = new RelayFixture(vertx, dir, Duration.ofMinutes(5));
    fx.addGoodHost("demo", null);
    exec = new ExecService(vertx, fx.config.withPool(pool), fx.hosts, fx.connector, fx.threads, Duration.ofSeconds(60),
        Duration.ofMinutes(10));
    await(exec.start());
  }

  @AfterEach
  void tearDown() throws Exception {
    if (fx == null) {
      return;
    }
    try {
      await(exec.stop());
      assertThat(fx.server.awaitConnectionsOpen(0, WAIT)).as("stopping the relay closes its pooled connections").isTrue();
    } finally {
      fx.close();
    }
  }

  /** One command's stream of events. */
  private final class Cmd implements AutoCloseable {
    final String execId = "p-" + UUID.randomUUID();
    final LinkedBlockingQueue<JsonObject> events = new LinkedBlockingQueue<>();
    final List<JsonObject> seen = new ArrayList<>();
    final MessageConsumer<JsonObject> consumer;

    Cmd() throws Exception {
      consumer = fx.vertx.eventBus().consumer(Addresses.SSH_EXEC_STREAM.format(execId), m -> events.add(m.body()));
      await(consumer.completion());
    }

    io.vertx.core.Future<?> send(String hostId, String command) {
      return fx.vertx.eventBus().request(Addresses.SSH_EXEC,
          new JsonObject().put("hostId", hostId).put("execId", execId).put("command", command));
    }

    JsonObject awaitExit() throws InterruptedException {
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (true) {
        JsonObject e = events.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        assertThat(e).as("exec_exit of %s; seen %s", execId, seen).isNotNull();
        seen.add(e);
        if ("exec_exit".equals(e.getString("type"))) {
          return e;
        }
      }
    }

    void awaitLine(String line) throws InterruptedException {
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (seen.stream().noneMatch(e -> line.equals(e.getString("line")))) {
        JsonObject e = events.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        assertThat(e).as("line %s of %s; seen %s", line, execId, seen).isNotNull();
        seen.add(e);
      }
    }

    List<String> stdout() {
      return seen.stream().filter(e -> "exec_output".equals(e.getString("type")) && "stdout".equals(e.getString("stream")))
          .map(e -> e.getString("line")).toList();
    }

    @Override
    public void close() throws Exception {
      await(consumer.unregister());
    }
  }

  private JsonObject run(String command) throws Exception {
    try (Cmd c = new Cmd()) {
      await(c.send("demo", command));
      return c.awaitExit();
    }
  }

  @Test
  void twentyCommandsOnOneHostShareAtMostMaxPerHostConnections(Vertx vertx) throws Exception {
    start(vertx, ConnectionPoolSettings.DEFAULTS.withMaxPerHost(2).withChannelsPerConnection(4));
    List<Cmd> cmds = new ArrayList<>();
    List<io.vertx.core.Future<?>> answers = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      Cmd c = new Cmd();
      cmds.add(c);
      answers.add(c.send("demo", "sleep 0.2; echo done-" + i));
    }
    for (int i = 0; i < 20; i++) {
      await(answers.get(i));
      JsonObject exit = cmds.get(i).awaitExit();
      assertThat(exit.getString("outcome")).as("command %d", i).isEqualTo("completed");
      assertThat(cmds.get(i).stdout()).containsExactly("done-" + i);
      cmds.get(i).close();
    }
    assertThat(fx.server.connectionsAccepted()).as("connections the host accepted for 20 commands").isBetween(1, 2);
    assertThat(exec.pool().opened()).isEqualTo(fx.server.connectionsAccepted());

    int before = fx.server.connectionsAccepted();
    for (int i = 0; i < 5; i++) {
      assertThat(run("echo again").getString("outcome")).isEqualTo("completed");
    }
    assertThat(fx.server.connectionsAccepted()).as("later commands reuse the open connections").isEqualTo(before);
  }

  @Test
  void aConnectionTheServerDropsIsDiscardedAndTheNextCommandSucceeds(Vertx vertx) throws Exception {
    start(vertx, ConnectionPoolSettings.DEFAULTS);
    assertThat(run("echo one").getString("outcome")).isEqualTo("completed");
    assertThat(fx.server.connectionsAccepted()).isEqualTo(1);

    fx.server.dropConnections();
    assertThat(fx.server.awaitConnectionsOpen(0, WAIT)).isTrue();

    JsonObject exit = run("echo two");
    assertThat(exit.getString("outcome")).as("the command after the drop: %s", exit).isEqualTo("completed");
    assertThat(fx.server.connectionsAccepted()).as("a new connection replaced the dropped one").isEqualTo(2);
    assertThat(exec.pool().discarded()).isGreaterThanOrEqualTo(1);
    assertThat(exec.pool().size("demo")).isEqualTo(1);
  }

  @Test
  void aConnectionIdlePastTheTimeoutIsClosed(Vertx vertx) throws Exception {
    start(vertx, ConnectionPoolSettings.DEFAULTS.withIdleTimeout(Duration.ofMillis(300)));
    assertThat(run("echo one").getString("outcome")).isEqualTo("completed");
    assertThat(fx.server.connectionsAccepted()).isEqualTo(1);

    assertThat(fx.server.awaitConnectionsOpen(0, WAIT)).as("the idle connection is closed").isTrue();
    assertThat(exec.pool().size()).isZero();
    assertThat(run("echo two").getString("outcome")).isEqualTo("completed");
    assertThat(fx.server.connectionsAccepted()).isEqualTo(2);
  }

  @Test
  void cancellingOneCommandLeavesAnotherOnTheSameConnectionRunning(Vertx vertx) throws Exception {
    start(vertx, ConnectionPoolSettings.DEFAULTS.withMaxPerHost(1));
    try (Cmd victim = new Cmd(); Cmd neighbour = new Cmd()) {
      await(victim.send("demo", "echo started; sleep 30; echo not-reached"));
      victim.awaitLine("started");
      await(neighbour.send("demo", "echo begun; sleep 2; echo finished"));
      neighbour.awaitLine("begun");
      assertThat(fx.server.connectionsAccepted()).as("both on one connection").isEqualTo(1);

      await(fx.vertx.eventBus().request(Addresses.SSH_EXEC_CANCEL, new JsonObject().put("execId", victim.execId)));
      JsonObject cancelled = victim.awaitExit();
      assertThat(cancelled.getString("outcome")).isEqualTo("cancelled");
      assertThat(cancelled.getInteger("exitStatus")).as("killed by TERM on the host").isEqualTo(143);

      JsonObject done = neighbour.awaitExit();
      assertThat(done.getString("outcome")).as("the neighbour: %s", neighbour.seen).isEqualTo("completed");
      assertThat(neighbour.stdout()).containsExactly("begun", "finished");
    }
    assertThat(fx.server.connectionsOpen()).as("the shared connection outlives the cancel").isEqualTo(1);
    assertThat(fx.server.connectionsAccepted()).isEqualTo(1);
  }

  @Test
  void aHostReachedAnotherWayGetsANewConnectionAndTheOldOneCloses(Vertx vertx) throws Exception {
    start(vertx, ConnectionPoolSettings.DEFAULTS);
    assertThat(run("echo one").getString("outcome")).isEqualTo("completed");
    assertThat(fx.server.connectionsAccepted()).isEqualTo(1);

    // same server, reached by another address: the pool must not hand out the old connection
    await(fx.owner.register(new HostStore.HostInput("demo", "host demo", "localhost", fx.server.port(), RelayFixture.USER,
        HostRecord.PASSWORD, RelayFixture.PASSWORD, new JsonArray()), fx.server.fingerprint()));
    assertThat(run("echo two").getString("outcome")).isEqualTo("completed");
    assertThat(fx.server.connectionsAccepted()).isEqualTo(2);
    assertThat(fx.server.awaitConnectionsOpen(1, WAIT)).as("the retired connection is closed").isTrue();
  }
}
