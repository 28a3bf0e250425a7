package dev.opsbus.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpClientResponse;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The programmatic API, in this JVM, against the shared test database. */
class OpsbusNodeTest {

  private static NodeSettings.Builder settings() {
    return NodeSettings.builder().httpPort(0).httpHost("127.0.0.1").pgUrl(TestDatabase.url());
  }

  @Test
  void nodeWithoutGatewayHasNoHttpPortButAnIdAndVertx() {
    try (OpsbusNode node = OpsbusNode.start(settings()
        .verticles(VerticleKind.METRICS, VerticleKind.OPERATIONS, VerticleKind.SSH_RELAY).build())) {
      assertThat(node.httpPort()).isEqualTo(-1);
      assertThat(node.nodeId()).isNotBlank();
      assertThat(node.vertx()).isNotNull();
      assertThat(node.clustered()).isFalse();
      assertThat(node.clusterSize()).isEqualTo(1);
      assertThat(node.describe()).contains(node.nodeId()).contains("without HTTP");
    }
  }

  @Test
  void gatewayOnPortZeroReportsTheBoundPortAndAnswersHealth() throws Exception {
    try (OpsbusNode node = OpsbusNode.start(settings().verticles(VerticleKind.GATEWAY).build())) {
      assertThat(node.httpPort()).isPositive();
      int status = node.vertx().createHttpClient()
          .request(HttpMethod.GET, node.httpPort(), "127.0.0.1", "/health")
          .compose(req -> req.send())
          .map(HttpClientResponse::statusCode)
          .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertThat(status).isEqualTo(200);
      assertThat(node.describe()).contains("listening on http://127.0.0.1:" + node.httpPort());
    }
  }

  @Test
  void stopIsIdempotent() throws Exception {
    OpsbusNode node = OpsbusNode.start(settings().verticles(VerticleKind.SSH_RELAY).build());

    node.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);

    assertThat(node.stop()).isSameAs(node.stop());
    node.close();
  }

  @Test
  void takenHttpPortFailsTheStartWithOneClearSentence() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      NodeSettings s = settings().httpPort(taken.getLocalPort()).verticles(VerticleKind.SSH_RELAY, VerticleKind.GATEWAY).build();

      assertThatThrownBy(() -> OpsbusNode.start(s))
          .isInstanceOf(NodeStartException.class)
          .hasMessage("http port " + taken.getLocalPort() + " is already in use (on 127.0.0.1)");
    }
  }

  @Test
  void unreachableDatabaseFailsTheStartNamingHostAndPort() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    NodeSettings s = settings().pgUrl("postgresql://u:p@127.0.0.1:" + closed + "/db").build();

    assertThatThrownBy(() -> OpsbusNode.start(s))
        .isInstanceOf(NodeStartException.class)
        .hasMessageStartingWith("cannot reach PostgreSQL at 127.0.0.1:" + closed + ": ");
  }
}
