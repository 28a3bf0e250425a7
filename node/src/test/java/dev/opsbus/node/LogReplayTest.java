package dev.opsbus.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.ssh.SshRelayConfig;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A log tail's replay to a new subscriber, end to end: a --demo node (its real SSH server) tails a
 * file; a bridge client that subscribes gets the log's last lines ({@code sshRelay.logReplayLines},
 * here 5), in order, then the live lines, with no gap and no duplicate, even while lines are being
 * written as it subscribes.
 */
class LogReplayTest {

  static final Duration WAIT = Duration.ofSeconds(30);
  static final int REPLAY_LINES = 5;
  static final String ADDRESS = "logs.host.demo.app";

  @TempDir
  static Path dataDir;

  static OpsbusNode node;
  static NodeClient http;
  static String viewer;
  static Path log;

  @BeforeAll
  static void start() throws Exception {
    TestDatabase.reset();
    node = OpsbusNode.start(NodeSettings.builder().httpPort(0).httpHost("127.0.0.1").pgUrl(TestDatabase.url()).dataDir(dataDir)
        .demo(true).adminPassword("replay-admin-pw")
        .sshRelay(SshRelayConfig.defaults(null, null, dataDir).withLogReplayLines(REPLAY_LINES))
        .build());
    http = new NodeClient(node.httpPort());
    String admin = http.login("admin", "replay-admin-pw");
    log = dataDir.resolve("replayed-app.log");
    Files.writeString(log, "");
    NodeClient.Answer put = http.put("/api/hosts/demo", new JsonObject().put("logs",
        new JsonArray().add(new JsonObject().put("stream", "app").put("path", log.toString()))), admin);
    assertThat(put.status()).as(put.body()).isBetween(200, 299);
    viewer = http.user(admin, "lena", List.of("viewer"), List.of("demo"));
  }

  @AfterAll
  static void stop() {
    node.close();
    // the demo host's logs were changed: later tests of this JVM find the database as a new one
    TestDatabase.reset();
  }

  static void append(String... lines) throws Exception {
    Files.writeString(log, String.join("\n", lines) + "\n", StandardOpenOption.APPEND);
  }

  static boolean isLog(JsonObject f) {
    return "rec".equals(f.getString("type")) && ADDRESS.equals(f.getString("address"));
  }

  /** The lines of the next log batch the client gets. */
  static List<String> nextLines(NodeClient.Bridge b) throws Exception {
    JsonObject f = b.next(LogReplayTest::isLog, WAIT);
    List<String> out = new ArrayList<>();
    f.getJsonObject("body").getJsonArray("lines").forEach(l -> out.add((String) l));
    return out;
  }

  /** Lines until (and with) {@code last}. */
  static List<String> linesUntil(NodeClient.Bridge b, String last) throws Exception {
    List<String> got = new ArrayList<>();
    while (!got.contains(last)) {
      got.addAll(nextLines(b));
    }
    return got;
  }

  @Test
  void aNewSubscriberGetsTheLastLinesInOrderThenTheLiveOnesWithoutGapOrDuplicate() throws Exception {
    try (NodeClient.Bridge first = http.bridge(viewer)) {
      first.register(ADDRESS);
      // the tail starts some time after the host changed: probe until a line comes through
      long deadline = System.nanoTime() + WAIT.toNanos();
      boolean through = false;
      for (int i = 0; !through; i++) {
        assertThat(System.nanoTime()).as("the tail delivers a probe line in time").isLessThan(deadline);
        append("probe " + i);
        try {
          first.next(LogReplayTest::isLog, Duration.ofMillis(300));
          through = true;
        } catch (AssertionError notYet) {
          // the tail is not running yet
        }
      }
      List<String> before = IntStream.rangeClosed(1, 12).mapToObj(i -> "before " + i).toList();
      append(before.toArray(String[]::new));
      linesUntil(first, "before 12");

      // lines written before it subscribed: exactly the last 5, in order, before anything live
      try (NodeClient.Bridge second = http.bridge(viewer)) {
        second.register(ADDRESS);
        assertThat(linesUntil(second, "before 12")).containsExactly("before 8", "before 9", "before 10", "before 11", "before 12");
        append("after 1", "after 2");
        assertThat(linesUntil(second, "after 2")).containsExactly("after 1", "after 2");
      }
    }

    // a subscriber that comes while lines are being written: a run of consecutive lines, none twice
    int total = 400;
    CountDownLatch underWay = new CountDownLatch(1);
    CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
      try {
        for (int i = 1; i <= total; i++) {
          append("n " + i);
          if (i == 50) {
            underWay.countDown();
          }
          Thread.sleep(3); // a steady writer, a few hundred lines a second
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    try (NodeClient.Bridge late = http.bridge(viewer)) {
      assertThat(underWay.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("the writer is under way").isTrue();
      late.register(ADDRESS);
      List<String> got = linesUntil(late, "n " + total);
      writer.get();
      List<Integer> numbers = got.stream().filter(l -> l.startsWith("n ")).map(l -> Integer.parseInt(l.substring(2))).toList();
      assertThat(got.size() - numbers.size()).as("lines from before the run: only the replay's").isLessThanOrEqualTo(REPLAY_LINES);
      int from = numbers.get(0);
      assertThat(numbers).as("consecutive from the first replayed line to the last written")
          .containsExactlyElementsOf(IntStream.rangeClosed(from, total).boxed().toList());
    }
  }
}
