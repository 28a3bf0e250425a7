package dev.opsbus.gateway.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.testkit.Await;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A reply address granted to a connection: answered once, before it expires, the oldest forgotten past the cap. */
class ReplyGrantsTest {

  static Vertx vertx;
  static final long TTL = 1_000_000_000L;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    Await.result(vertx.close());
  }

  /** Real requests, as a consumer receives them (each with its own reply address). */
  static List<Message<Object>> requests(int n) {
    List<Message<Object>> got = new ArrayList<>();
    var consumer = vertx.eventBus().consumer("grants.test", got::add);
    Await.result(consumer.completion());
    for (int i = 0; i < n; i++) {
      vertx.eventBus().request("grants.test", i);
    }
    Await.until("requests received", java.time.Duration.ofSeconds(10), () -> got.size() == n);
    Await.result(consumer.unregister());
    return got;
  }

  @Test
  void aGrantIsTakenOnceAndExpires() {
    List<Message<Object>> m = requests(2);
    ReplyGrants g = new ReplyGrants(10, TTL);
    g.grant(m.get(0), 0);
    g.grant(m.get(1), 10);
    assertThat(g.take("__vertx.reply.unknown", 20)).isNull();
    assertThat(g.take(m.get(0).replyAddress(), 20)).isSameAs(m.get(0));
    assertThat(g.take(m.get(0).replyAddress(), 30)).as("only once").isNull();
    assertThat(g.take(m.get(1).replyAddress(), 10 + TTL)).as("expired").isNull();
    assertThat(g.isEmpty()).isTrue();
  }

  @Test
  void pastTheCapTheOldestGrantIsForgotten() {
    List<Message<Object>> m = requests(3);
    ReplyGrants g = new ReplyGrants(2, TTL);
    m.forEach(msg -> g.grant(msg, 0));
    assertThat(g.size()).isEqualTo(2);
    assertThat(g.take(m.get(0).replyAddress(), 1)).isNull();
    assertThat(g.take(m.get(2).replyAddress(), 1)).isSameAs(m.get(2));
  }
}
