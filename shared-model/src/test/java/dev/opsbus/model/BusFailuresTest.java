package dev.opsbus.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The one failure mapping, against a real event bus: what a caller learns for each way a request fails. */
class BusFailuresTest {

  private static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    vertx.eventBus().consumer("test.refuses", m -> BusFailures.fail(m, ErrorCode.ACCESS_DENIED, "not you"));
    vertx.eventBus().consumer("test.breaks", m -> BusFailures.fail(m, new IllegalStateException("disk full"), "saving"));
    vertx.eventBus().consumer("test.silent", m -> { });
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static Throwable failureOf(String address, long timeoutMs) throws Exception {
    Future<io.vertx.core.eventbus.Message<Object>> f = vertx.eventBus().request(address, "x", new DeliveryOptions().setSendTimeout(timeoutMs));
    try {
      f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("the request to " + address + " succeeded");
  }

  @Test
  void nobodyServingIsNoHandlerWithTheServiceNamed() throws Exception {
    Throwable err = failureOf("test.nobody", 5_000);
    assertThat(BusFailures.codeOf(err)).isEqualTo(ErrorCode.NO_HANDLER);
    OpsbusException e = BusFailures.explain(err, "inventory service");
    assertThat(e.code()).isEqualTo(ErrorCode.NO_HANDLER);
    assertThat(e.getMessage()).isEqualTo("the inventory service is not running on any node right now");
  }

  @Test
  void noAnswerInTimeIsTimeout() throws Exception {
    Throwable err = failureOf("test.silent", 100);
    assertThat(BusFailures.codeOf(err)).isEqualTo(ErrorCode.TIMEOUT);
    assertThat(BusFailures.explain(err, "relay").getMessage()).isEqualTo("the relay did not answer in time");
  }

  @Test
  void aServiceRefusalKeepsItsCodeAndSentence() throws Exception {
    Throwable err = failureOf("test.refuses", 5_000);
    OpsbusException e = BusFailures.explain(err, "anything");
    assertThat(e.code()).isEqualTo(ErrorCode.ACCESS_DENIED);
    assertThat(e.getMessage()).isEqualTo("not you");
  }

  @Test
  void anUnexpectedFailureIsInternalErrorWithItsContext() throws Exception {
    Throwable err = failureOf("test.breaks", 5_000);
    assertThat(BusFailures.codeOf(err)).isEqualTo(ErrorCode.INTERNAL_ERROR);
    assertThat(err.getMessage()).isEqualTo("saving: disk full");
  }

  @Test
  void everyCodeMapsBackFromItsFailureCode() {
    for (ErrorCode c : ErrorCode.values()) {
      assertThat(ErrorCode.fromFailureCode(c.failureCode())).isEqualTo(c);
    }
  }
}
