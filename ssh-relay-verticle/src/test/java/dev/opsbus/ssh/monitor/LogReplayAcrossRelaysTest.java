package dev.opsbus.ssh.monitor;

import static dev.opsbus.ssh.RelayFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.Addresses;
import dev.opsbus.ssh.RelayFixture;
import dev.opsbus.ssh.SshRelayConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replay of a log's last lines with two relays (two monitors sharing one Vert.x, so one relay
 * map): only the owner tails the log and keeps its lines, yet {@code logs.host.last}, whichever
 * relay the bus hands it to, answers the owner's last lines (a non-owner asks the owner).
 */
@ExtendWith(VertxExtension.class)
class LogReplayAcrossRelaysTest {

  @TempDir
  Path dir;

  private RelayFixture fx;
  private final List<HostMonitor> monitors = new ArrayList<>();

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    fx = new RelayFixture(vertx, dir, Duration.ofSeconds(30));
  }

  @AfterEach
  void tearDown() throws Exception {
    try {
      for (HostMonitor m : monitors) {
        await(m.stop());
      }
    } finally {
      fx.close();
    }
  }

  private HostMonitor relay(String nodeId) throws Exception {
    SshRelayConfig c = fx.config.forNode(nodeId, fx.config.db()).withLogReplayLines(3);
    HostMonitor m = new HostMonitor(fx.vertx, c, fx.hosts, fx.connector, fx.threads);
    monitors.add(m);
    await(m.start());
    return m;
  }

  private static void append(Path log, String... lines) throws Exception {
    Files.writeString(log, String.join("\n", lines) + "\n", StandardOpenOption.APPEND);
  }

  private static List<String> lines(JsonObject answer) {
    List<String> out = new ArrayList<>();
    answer.getJsonArray("changes").forEach(b -> ((JsonObject) b).getJsonArray("lines").forEach(l -> out.add((String) l)));
    return out;
  }

  @Test
  void whicheverRelayIsAskedTheAnswerIsTheOwnersLastLines() throws Exception {
    Path log = dir.resolve("shared-" + System.nanoTime() + ".log");
    Files.writeString(log, "");
    fx.addGoodHost("shared", new JsonArray().add(new JsonObject().put("stream", "app").put("path", log.toString())));
    String address = Addresses.LOGS_HOST.format("shared", "app");
    LinkedBlockingQueue<JsonObject> q = new LinkedBlockingQueue<>();
    await(fx.vertx.eventBus().<JsonObject>consumer(address, m -> q.add(m.body())).completion());
    relay("relay-a");
    relay("relay-b");
    long bothUp = System.nanoTime();

    // probe until a line comes through from the settled owner: the hand-over after the second
    // relay joined (its hold-off, the first one's next lease refresh) is over by then
    long settled = TimeUnit.MILLISECONDS.toNanos(HostOwnership.HANDOVER_MS + 2 * HostOwnership.REFRESH_MS);
    long deadline = System.nanoTime() + RelayFixture.WAIT.toNanos();
    boolean through = false;
    for (int i = 0; !through; i++) {
      assertThat(System.nanoTime()).as("the owner's tail delivers a probe line in time").isLessThan(deadline);
      append(log, "probe " + i);
      through = q.poll(200, TimeUnit.MILLISECONDS) != null && System.nanoTime() - bothUp > settled;
    }
    append(log, "x1", "x2", "x3", "x4", "x5");
    List<String> seen = new ArrayList<>();
    while (!seen.contains("x5")) {
      JsonObject m = q.poll(10, TimeUnit.SECONDS);
      assertThat(m).as("the lines x1..x5 go out").isNotNull();
      m.getJsonArray("lines").forEach(l -> seen.add((String) l));
    }

    // the bus hands requests to the two relays' consumers in turn: ask enough times to reach both
    for (int i = 0; i < 4; i++) {
      JsonObject answer = await(fx.vertx.eventBus().<JsonObject>request(Addresses.LOGS_HOST_LAST,
          new JsonObject().put("replay", true).put("address", address).put("hostId", "shared").put("stream", "app"))).body();
      assertThat(lines(answer)).as("answer %d", i).containsExactly("x3", "x4", "x5");
    }
    JsonObject after = await(fx.vertx.eventBus().<JsonObject>request(Addresses.LOGS_HOST_LAST,
        new JsonObject().put("hostId", "shared").put("stream", "app").put("sinceSeq", Long.MAX_VALUE))).body();
    assertThat(after.getJsonArray("changes")).as("nothing after the newest seq").isEmpty();
  }
}
