package dev.opsbus.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.gateway.GatewayConfig;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
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
 * A whole node with --demo whose gateway accepts on two event loops ({@code gateway.eventLoops = 2}):
 * terminal sockets opened one after the other land on both loops, and each still echoes what is
 * typed into it; a session shared by two sockets shows its output on both.
 */
class TerminalsOnTwoLoopsTest {

  static final Duration WAIT = Duration.ofSeconds(20);
  static final String ADMIN_PASSWORD = "two-loops-admin-password";

  @TempDir
  static Path dataDir;

  static OpsbusNode node;
  static Vertx client;
  static WebClient http;
  static String admin;

  @BeforeAll
  static void start() throws Exception {
    TestDatabase.reset();
    GatewayConfig gateway = GatewayConfig.defaults();
    node = OpsbusNode.start(NodeSettings.builder().httpPort(0).httpHost("127.0.0.1").pgUrl(TestDatabase.url()).dataDir(dataDir)
        .gateway(gateway.withConnections(gateway.connections().withEventLoops(2)))
        .demo(true).adminPassword(ADMIN_PASSWORD).build());
    client = Vertx.vertx();
    http = WebClient.create(client, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(node.httpPort()));
    admin = login("admin", ADMIN_PASSWORD);
  }

  @AfterAll
  static void stop() throws Exception {
    client.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    node.close();
  }

  static <T> T await(io.vertx.core.Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  static String login(String user, String password) throws Exception {
    HttpResponse<Buffer> r = await(http.post("/api/login").sendJsonObject(new JsonObject().put("username", user).put("password", password)));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    return r.bodyAsJsonObject().getString("token");
  }

  static String openTerminal() throws Exception {
    HttpResponse<Buffer> r = await(http.post("/api/hosts/demo/terminals").bearerTokenAuthentication(admin)
        .sendJsonObject(new JsonObject().put("cols", 100).put("rows", 30)));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    return r.bodyAsJsonObject().getString("sessionId");
  }

  @Test
  void terminalsOnBothLoopsEachEchoWhatIsTyped() throws Exception {
    assertThat(node.gateway().acceptLoops().count()).as("loops accepting on the port").isEqualTo(2);
    List<TermClient> terms = new ArrayList<>();
    try {
      // a socket is a TCP connection of its own: the port hands them to its two loops in turn
      for (int i = 0; i < 4; i++) {
        TermClient t = TermClient.connect(client, node.httpPort(), openTerminal(), admin);
        assertThat(t.attached(WAIT).getString("role")).isEqualTo("driver");
        terms.add(t);
      }
      for (int i = 0; i < terms.size(); i++) {
        terms.get(i).type("echo loop-check-" + i + "\r");
      }
      for (int i = 0; i < terms.size(); i++) {
        terms.get(i).awaitLine("loop-check-" + i, WAIT);
      }
    } finally {
      terms.forEach(TermClient::close);
    }
  }

  @Test
  void aSessionSharedBySocketsOnBothLoopsShowsItsOutputOnEach() throws Exception {
    String sid = openTerminal();
    try (TermClient first = TermClient.connect(client, node.httpPort(), sid, admin);
        TermClient second = TermClient.connect(client, node.httpPort(), sid, admin)) {
      first.attached(WAIT);
      second.attached(WAIT);
      first.type("echo shared-output\r");
      first.awaitLine("shared-output", WAIT);
      second.awaitLine("shared-output", WAIT);
    }
  }
}
