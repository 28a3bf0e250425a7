package dev.opsbus.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.testkit.Await;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes in separate JVMs, one cluster, one database: a terminal recorded by node A's relay is
 * listed and played from node B, and still after node A is gone (the recording lives in the
 * database, not on A's disk).
 */
class ClusterRecordingsIT {

  // two JVMs joining a cluster, and a shell starting, on a busy machine (2 cores shared with other builds) can take long
  private static final Duration START = Duration.ofSeconds(180);
  private static final Duration WAIT = Duration.ofSeconds(90);

  @TempDir
  Path tmp;

  Vertx client;

  @BeforeEach
  void setUp() {
    TestDatabase.reset();
    client = Vertx.vertx();
  }

  @AfterEach
  void tearDown() throws Exception {
    client.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private NodeProcess start(String name, String cluster, String... extra) {
    String[] common = {"--cluster", "--cluster-name", cluster, "--http-port", "0", "--http-host", "127.0.0.1",
        "--pg-url", TestDatabase.url(), "--data-dir", name};
    return NodeProcess.start(name, tmp, Stream.concat(Stream.of(common), Stream.of(extra)).toArray(String[]::new));
  }

  private static String adminPassword(NodeProcess... nodes) {
    for (NodeProcess n : nodes) {
      Matcher m = NodeClient.GENERATED_ADMIN.matcher(n.output());
      if (m.find()) {
        return m.group(1);
      }
    }
    throw new AssertionError("no node logged the generated admin password");
  }

  private static JsonObject entry(NodeClient node, String token, String sid) {
    try {
      NodeClient.Answer a = node.get("/api/recordings?hostId=demo", token);
      assertThat(a.status()).as(a.body()).isEqualTo(200);
      JsonArray all = a.json().getJsonArray("recordings");
      return all.stream().map(o -> (JsonObject) o).filter(o -> sid.equals(o.getString("sessionId"))).findFirst().orElse(null);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** The output events of a cast, joined. */
  private static String output(String cast) {
    StringBuilder out = new StringBuilder();
    String[] lines = cast.split("\n");
    assertThat(new JsonObject(lines[0]).getInteger("version")).isEqualTo(2);
    for (int i = 1; i < lines.length; i++) {
      JsonArray ev = new JsonArray(lines[i]);
      if ("o".equals(ev.getString(1))) {
        out.append(ev.getString(2));
      }
    }
    return out.toString();
  }

  @Test
  void aRecordingMadeByNodeAsRelayIsListedAndPlayedFromNodeBAlsoAfterNodeAIsGone() throws Exception {
    String cluster = "it-" + UUID.randomUUID().toString().substring(0, 8);
    try (NodeProcess a = start("rec-a", cluster, "--demo");
         NodeProcess b = start("rec-b", cluster)) {
      Matcher listeningA = a.awaitLine(NodeProcess.LISTENING, START);
      String nodeA = listeningA.group(1);
      int portA = Integer.parseInt(listeningA.group(2));
      int portB = Integer.parseInt(b.awaitLine(NodeProcess.LISTENING, START).group(2));
      a.awaitLine(Pattern.compile("cluster has 2 members"), START);
      b.awaitLine(Pattern.compile("cluster has 2 members"), START);
      NodeClient onA = new NodeClient(portA);
      NodeClient onB = new NodeClient(portB);
      String admin = onA.login("admin", adminPassword(a, b));

      // both relays serve ssh.open, taken in turn: open until node A's relay holds the session (the others are closed)
      String found = null;
      for (int attempt = 0; attempt < 6 && found == null; attempt++) {
        NodeClient.Answer opened = onA.post("/api/hosts/demo/terminals", new JsonObject().put("cols", 100).put("rows", 30), admin);
        assertThat(opened.status()).as(opened.body()).isEqualTo(201);
        if (nodeA.equals(opened.json().getString("node"))) {
          found = opened.json().getString("sessionId");
        } else {
          assertThat(onA.delete("/api/terminals/" + opened.json().getString("sessionId"), admin).status()).isEqualTo(200);
        }
      }
      assertThat(found).as("a session on node A's relay").isNotNull();
      String sid = found;
      try (TermClient driver = TermClient.connect(client, portA, sid, admin)) {
        driver.attached(WAIT);
        driver.type("echo across-$((6*7))\r");
        driver.awaitLine("across-42", WAIT);
      }
      assertThat(onA.delete("/api/terminals/" + sid, admin).status()).isEqualTo(200);

      Await.until("node B lists the ended recording", WAIT, () -> {
        JsonObject e = entry(onB, admin, sid);
        return e != null && e.getString("endedAt") != null;
      });
      JsonObject listed = entry(onB, admin, sid);
      assertThat(listed.getString("owner")).isEqualTo("admin");
      assertThat(listed.getString("node")).isEqualTo(nodeA);
      assertThat(listed.getLong("sizeBytes")).isPositive();
      NodeClient.Answer cast = onB.get("/api/recordings/" + sid + "/cast", admin);
      assertThat(cast.status()).as(cast.body()).isEqualTo(200);
      assertThat(output(cast.body())).contains("across-42\r\n");

      // node A goes away with its relay; B's relay serves the same from the database
      a.kill();
      b.awaitLine(Pattern.compile("cluster has 1 member\\b"), START);
      assertThat(entry(onB, admin, sid)).isEqualTo(listed);
      NodeClient.Answer again = onB.get("/api/recordings/" + sid + "/cast", admin);
      assertThat(again.status()).as(again.body()).isEqualTo(200);
      assertThat(again.body()).isEqualTo(cast.body());
      NodeClient.Answer one = onB.get("/api/recordings/" + sid, admin);
      assertThat(one.json()).isEqualTo(listed);

      // admins only; bad and unknown ids have their codes
      String vera = onB.user(admin, "vera", java.util.List.of("operator"), java.util.List.of("demo"));
      assertThat(onB.get("/api/recordings", vera).status()).isEqualTo(403);
      assertThat(onB.get("/api/recordings/" + sid + "/cast", vera).status()).isEqualTo(403);
      NodeClient.Answer bad = onB.get("/api/recordings/not-a-session/cast", admin);
      assertThat(bad.status()).isEqualTo(400);
      assertThat(bad.json().getString("error")).isEqualTo("invalid_request");
      assertThat(onB.get("/api/recordings/" + "0".repeat(32) + "/cast", admin).json().getString("error")).isEqualTo("not_found");
      assertThat(onB.get("/api/recordings?limit=0", admin).status()).isEqualTo(400);
    }
  }
}
