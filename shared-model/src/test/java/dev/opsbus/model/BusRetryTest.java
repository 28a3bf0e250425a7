package dev.opsbus.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A request that lands on a consumer that never answers (a node just killed) is asked again and reaches a live one. */
class BusRetryTest {

  private Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void anUnansweredAttemptIsAskedAgainAndTheNextConsumerAnswers() throws Exception {
    AtomicInteger silent = new AtomicInteger();
    await(vertx.eventBus().consumer("test.list", m -> silent.incrementAndGet()).completion());
    await(vertx.eventBus().consumer("test.list", m -> m.reply("answer")).completion());
    for (int i = 0; i < 4; i++) {
      Message<String> m = await(BusRetry.request(vertx.eventBus(), "test.list", "q", new DeliveryOptions(), 200));
      assertThat(m.body()).isEqualTo("answer");
    }
    assertThat(silent.get()).as("the silent consumer got some attempts").isPositive();
  }

  @Test
  void aRefusalIsNotAskedAgain() throws Exception {
    AtomicInteger asked = new AtomicInteger();
    await(vertx.eventBus().consumer("test.refuse", m -> {
      asked.incrementAndGet();
      BusFailures.fail(m, ErrorCode.ACCESS_DENIED, "no");
    }).completion());
    Future<Message<Object>> f = BusRetry.request(vertx.eventBus(), "test.refuse", "q", new DeliveryOptions(), 200);
    try {
      await(f);
    } catch (java.util.concurrent.ExecutionException expected) {
      // refused
    }
    assertThat(BusFailures.codeOf(f.cause())).isEqualTo(ErrorCode.ACCESS_DENIED);
    assertThat(asked.get()).isEqualTo(1);
  }
}
