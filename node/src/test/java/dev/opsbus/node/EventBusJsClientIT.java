package dev.opsbus.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real browser client, vertx-eventbus.js over sockjs-client (npm), run by Node against a node
 * started from the jar: what a browser would see, including refusals, delivered to its handlers.
 */
class EventBusJsClientIT {

  private static final Duration START = Duration.ofSeconds(90);
  private static final Path SCRIPT = Path.of("src/test/js/eventbus-scenarios.js");

  @TempDir
  static Path tmp;

  static NodeProcess node;
  static String baseUrl;
  static String viewer;

  @BeforeAll
  static void startNode() throws Exception {
    node = NodeProcess.start("eventbus-js", tmp, "--http-port", "0", "--data-dir", tmp.resolve("data").toString());
    int port = Integer.parseInt(node.awaitLine(NodeProcess.LISTENING, START).group(2));
    String adminPassword = node.awaitLine(NodeClient.GENERATED_ADMIN, START).group(1);
    baseUrl = "http://127.0.0.1:" + port;
    NodeClient client = new NodeClient(port);
    viewer = client.user(client.login("admin", adminPassword), "vic", List.of("viewer"), List.of("h1"));
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  /** Runs one scenario of the script and returns the JSON line it printed. */
  static JsonObject run(String scenario, String token) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("node", SCRIPT.toString(), scenario, baseUrl));
    if (token != null) {
      cmd.add(token);
    }
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("the " + scenario + " scenario did not finish");
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    String last = out.lines().reduce((a, b) -> b).orElse("");
    assertThat(last).as("output of %s:%n%s", scenario, out).startsWith("{");
    return new JsonObject(last);
  }

  @Test
  void viewerReceivesNodeMetrics() throws Exception {
    JsonObject r = run("receive-metrics", viewer);
    assertThat(r.getBoolean("ok")).as(r.encode()).isTrue();
    assertThat(r.getString("address")).isEqualTo("metrics.node");
    JsonObject body = r.getJsonObject("body");
    assertThat(body.getString("type")).isEqualTo("node_metrics");
    assertThat(body.getLong("heapUsedMb")).isPositive();
    assertThat(body.getInteger("sockJsConnections")).isGreaterThanOrEqualTo(1);
  }

  @Test
  void viewerRegisteringAdminOnlyUpdatesGetsAccessDeniedInItsHandler() throws Exception {
    JsonObject r = run("denied-register", viewer);
    assertThat(r.getBoolean("ok")).as(r.encode()).isTrue();
    JsonObject err = r.getJsonObject("err");
    assertThat(err.getString("failureType")).isEqualTo("access_denied");
    assertThat(err.getInteger("failureCode")).isEqualTo(1403);
    assertThat(err.getString("message")).contains("ops.updates.all");
  }

  @Test
  void socketWithoutTokenGetsNotLoggedIn() throws Exception {
    JsonObject r = run("no-token", null);
    assertThat(r.getBoolean("ok")).as(r.encode()).isTrue();
    assertThat(r.getJsonObject("err").getString("failureType")).isEqualTo("not_logged_in");
  }

  @Test
  void handshakeFromAForeignOriginIsRefused() throws Exception {
    JsonObject r = run("foreign-origin", viewer);
    assertThat(r.getBoolean("ok")).as(r.encode()).isTrue();
    assertThat(r.getInteger("status")).isEqualTo(403);
    assertThat(r.getJsonObject("body").getString("error")).isEqualTo("origin_not_allowed");
  }

  @Test
  void requestToAnAddressNoRuleNamesReachesTheReplyCallbackAsUnknownAddress() throws Exception {
    JsonObject r = run("request-unknown-address", viewer);
    assertThat(r.getBoolean("ok")).as(r.encode()).isTrue();
    assertThat(r.getJsonObject("err").getString("failureType")).isEqualTo("unknown_address");
  }
}
