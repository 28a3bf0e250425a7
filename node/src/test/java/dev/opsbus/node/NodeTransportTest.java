package dev.opsbus.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The {@code --transport} flag: the node's Vert.x runs on the transport asked for, and says which at start. */
class NodeTransportTest {

  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final Logger logger = (Logger) LoggerFactory.getLogger(NodeTransport.class);

  @BeforeEach
  void captureLogs() {
    logs.start();
    logger.addAppender(logs);
  }

  @AfterEach
  void releaseLogs() {
    logger.detachAppender(logs);
  }

  private List<String> lines() {
    return logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  @Test
  void nodeOnEpollRunsNativeAndServesHttp() throws Exception {
    assumeTrue(NodeTransport.EPOLL.available(), "epoll is not available here");
    NodeSettings s = NodeSettings.builder().httpPort(0).httpHost("127.0.0.1").pgUrl(TestDatabase.url())
        .verticles(VerticleKind.GATEWAY).transport(NodeTransport.EPOLL).build();
    try (OpsbusNode node = OpsbusNode.start(s)) {
      assertThat(node.vertx().isNativeTransportEnabled()).isTrue();
      assertThat(lines()).contains("transport: epoll");
      int status = node.vertx().createHttpClient()
          .request(HttpMethod.GET, node.httpPort(), "127.0.0.1", "/health")
          .compose(req -> req.send())
          .map(HttpClientResponse::statusCode)
          .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertThat(status).isEqualTo(200);
    }
  }

  @Test
  void defaultIsEpoll() {
    assertThat(NodeSettings.builder().build().transport()).isEqualTo(NodeTransport.EPOLL);
    assertThat(NodeSettings.parse(List.of(), Map.of()).transport()).isEqualTo(NodeTransport.EPOLL);
  }

  @Test
  void nioIsNotNative() throws Exception {
    Vertx vertx = NodeTransport.NIO.builder(new VertxOptions()).build();
    try {
      assertThat(vertx.isNativeTransportEnabled()).isFalse();
      assertThat(lines()).containsExactly("transport: nio");
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void ioUringWhereTheKernelAllowsIt() throws Exception {
    assumeTrue(NodeTransport.IO_URING.available(), "io_uring is not available here: "
        + NodeTransport.IO_URING.unavailabilityCause());
    Vertx vertx = NodeTransport.IO_URING.builder(new VertxOptions()).build();
    try {
      assertThat(vertx.isNativeTransportEnabled()).isTrue();
      assertThat(lines()).containsExactly("transport: io_uring");
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void unavailableIoUringFallsBackToNioAndSaysWhy() {
    assumeFalse(NodeTransport.IO_URING.available(), "io_uring is available here");
    assertThat(NodeTransport.IO_URING.resolve()).isEqualTo(NodeTransport.NIO);
    assertThat(lines()).singleElement().asString().startsWith("transport: nio (io_uring requested but unavailable: ");
  }

  @Test
  void flagAndVariableNameTheTransport() {
    assertThat(NodeSettings.parse(List.of("--transport", "nio"), Map.of()).transport()).isEqualTo(NodeTransport.NIO);
    assertThat(NodeSettings.parse(List.of(), Map.of("OPSBUS_TRANSPORT", "io-uring")).transport())
        .isEqualTo(NodeTransport.IO_URING);
    assertThatThrownBy(() -> NodeSettings.parse(List.of("--transport", "dpdk"), Map.of()))
        .isInstanceOf(SettingsException.class)
        .hasMessage("--transport: 'dpdk' is not a transport (nio, epoll, io_uring)");
  }
}
