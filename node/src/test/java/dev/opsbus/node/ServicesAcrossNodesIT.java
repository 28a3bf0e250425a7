package dev.opsbus.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15 across two nodes in separate JVMs: a service (the Node.js example, on node A's TCP bridge)
 * answers a request a browser sends over node B's bridge; revoking its key on node B cuts its TCP
 * connection on node A within 5 s; and a notification sent on B while its user is away is replayed
 * when the user connects to A.
 */
class ServicesAcrossNodesIT {

  private static final Duration START = Duration.ofSeconds(90);
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Duration CUT_WITHIN = Duration.ofSeconds(5);
  private static final Pattern TCP_BRIDGE = Pattern.compile("TCP event-bus bridge listening on \\S+:(\\d+)");

  @TempDir
  Path tmp;

  @BeforeEach
  void setUp() {
    TestDatabase.reset();
  }

  private NodeProcess start(String name, String cluster, String... extra) {
    String[] common = {"--cluster", "--cluster-name", cluster, "--http-port", "0", "--http-host", "127.0.0.1",
        "--pg-url", TestDatabase.url(), "--data-dir", name, "--verticles", "gateway"};
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

  @Test
  void aServiceOnNodeAAnswersABrowserOnNodeBAndIsCutEverywhereWhenRevoked() throws Exception {
    String cluster = "it-" + UUID.randomUUID().toString().substring(0, 8);
    try (NodeProcess a = start("svc-a", cluster, "--tcp-bridge-port", "0"); NodeProcess b = start("svc-b", cluster)) {
      int portA = Integer.parseInt(a.awaitLine(NodeProcess.LISTENING, START).group(2));
      int tcpA = Integer.parseInt(a.awaitLine(TCP_BRIDGE, START).group(1));
      int portB = Integer.parseInt(b.awaitLine(NodeProcess.LISTENING, START).group(2));
      a.awaitLine(Pattern.compile("cluster has 2 members"), START);
      b.awaitLine(Pattern.compile("cluster has 2 members"), START);
      NodeClient onA = new NodeClient(portA);
      NodeClient onB = new NodeClient(portB);
      String admin = onB.login("admin", adminPassword(a, b));
      String viewer = onB.user(admin, "shopper", List.of("viewer"), List.of());

      NodeClient.Answer made = onB.post("/api/service-keys", new JsonObject().put("name", "inventory")
          .put("grants", new JsonObject().put("serve", new JsonArray().add("svc.inventory.*"))), admin);
      assertThat(made.status()).as(made.body()).isEqualTo(201);
      String secret = made.json().getString("secret");

      ProcessBuilder pb = new ProcessBuilder("node", Path.of("..", "docs", "examples", "tcp_bridge_serve.js").toAbsolutePath().toString(),
          "127.0.0.1", String.valueOf(tcpA), "svc.inventory.query").redirectErrorStream(true);
      pb.environment().put("OPSBUS_KEY", secret);
      Process service = pb.start();
      try (NodeClient.Bridge browser = onB.bridge(viewer)) {
        // ask until the service's registration on A has reached B (no_handler until then)
        JsonObject answer = null;
        for (int i = 0; i < 60 && answer == null; i++) {
          browser.send(new JsonObject().put("type", "send").put("address", "svc.inventory.query").put("replyAddress", "r-" + i)
              .put("body", new JsonObject().put("sku", "A1")));
          String want = "r-" + i;
          JsonObject f = browser.next(x -> want.equals(x.getString("address")), WAIT);
          if ("rec".equals(f.getString("type"))) {
            answer = f;
          } else {
            assertThat(f.getString("failureType")).isEqualTo("no_handler");
          }
        }
        assertThat(answer).as("answered").isNotNull();
        assertThat(answer.getJsonObject("body").getString("askedBy")).isEqualTo("shopper");
        assertThat(answer.getJsonObject("body").getJsonObject("answer").getString("sku")).isEqualTo("A1");
      }

      // revoked on B; the service's TCP connection is on A: it is closed, and the example exits
      assertThat(onB.delete("/api/service-keys/inventory", admin).status()).isEqualTo(200);
      assertThat(service.waitFor(CUT_WITHIN.toMillis(), TimeUnit.MILLISECONDS)).as("service cut within 5 s").isTrue();
      assertThat(new String(service.getInputStream().readAllBytes())).contains("invalid_token");

      // a notification sent on B while vic is away is replayed when vic connects to A
      String vicPassword = "vic-password";
      onB.user(admin, "vic", List.of("viewer"), List.of());
      NodeClient.Answer sent = onB.post("/api/bus/request", new JsonObject().put("address", "notifications.send")
          .put("body", new JsonObject().put("username", "vic").put("title", "while you were away")), admin);
      assertThat(sent.status()).as(sent.body()).isEqualTo(200);
      try (NodeClient.Bridge vic = onA.bridge(onA.login("vic", vicPassword))) {
        vic.register("user.vic.notifications");
        JsonObject rec = vic.next(f -> "user.vic.notifications".equals(f.getString("address")), WAIT);
        assertThat(rec.getString("type")).isEqualTo("rec");
        assertThat(rec.getJsonObject("body").getString("title")).isEqualTo("while you were away");
      }
    }
  }
}
