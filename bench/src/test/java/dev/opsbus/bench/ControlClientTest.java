package dev.opsbus.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/**
 * The generator's control calls end: answered, refused with the server's words, or failed as not
 * sent when no connection can be had, never waiting on a step's deadline for nothing.
 */
class ControlClientTest {

  private Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aCallToAPortNobodyListensOnFailsAsNotSentAfterOneMoreTry() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    ControlClient control = new ControlClient(vertx, "http://127.0.0.1:" + port);
    Throwable failure = control.stats(false).toCompletionStage().toCompletableFuture()
        .handle((ok, err) -> err).get(30, TimeUnit.SECONDS);
    assertThat(failure).isInstanceOf(ControlClient.NotSent.class);
    assertThat(failure.getMessage()).contains("GET http://127.0.0.1:" + port + "/bench/stats was not sent");
  }

  @RepeatedTest(10)
  void answersAndRefusalsComeBackCallAfterCall() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    HttpServer server = vertx.createHttpServer().requestHandler(req -> {
      int n = calls.incrementAndGet();
      if (req.path().endsWith("/start") && n > 1) {
        req.response().setStatusCode(409).end(new JsonObject().put("error", "already_running").encode());
      } else {
        req.response().end(new JsonObject().put("call", n).encode());
      }
    }).listen(0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    ControlClient control = new ControlClient(vertx, "http://127.0.0.1:" + server.actualPort());

    for (int i = 1; i <= 3; i++) {
      JsonObject stats = control.stats(false).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertThat(stats.getInteger("call")).isEqualTo(i);
    }
    Throwable refused = control.start(10, 100, 1).toCompletionStage().toCompletableFuture()
        .handle((ok, err) -> err).get(10, TimeUnit.SECONDS);
    assertThat(refused).isInstanceOf(IllegalStateException.class).hasMessageContaining("answered 409")
        .hasMessageContaining("already_running");
    assertThat(calls).hasValue(4);
  }
}
