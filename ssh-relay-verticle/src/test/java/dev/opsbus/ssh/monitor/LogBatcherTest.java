package dev.opsbus.ssh.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The relay's log batcher on a real event bus: batch size, the wait for a partial batch, one line per message. */
class LogBatcherTest {

  private static final String ADDRESS = "logs.host.h1.app";

  private Vertx vertx;
  private Context context;
  private final LinkedBlockingQueue<JsonObject> received = new LinkedBlockingQueue<>();

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    vertx.eventBus().<JsonObject>consumer(ADDRESS, m -> received.add(m.body())).completion()
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    context = vertx.getOrCreateContext();
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private List<JsonObject> messagesCarrying(int lines) throws InterruptedException {
    List<JsonObject> out = new ArrayList<>();
    int got = 0;
    while (got < lines) {
      JsonObject m = received.poll(5, TimeUnit.SECONDS);
      assertThat(m).as("a log_lines message within 5 s (%d of %d lines so far)", got, lines).isNotNull();
      out.add(m);
      got += m.getJsonArray("lines").size();
    }
    return out;
  }

  @Test
  void linesGoOutInOrderInBatchesOfAtMostTenAndAPartialBatchLeavesAfterTheWait() throws Exception {
    long[] seq = {0};
    LogBatcher batcher = LogBatcher.relayDefaults(vertx, context, ADDRESS, "h1", "app", () -> ++seq[0]);
    List<String> lines = IntStream.rangeClosed(1, 25).mapToObj(i -> "line " + i).toList();
    long t0 = System.nanoTime();
    lines.forEach(batcher::add);
    List<JsonObject> messages = messagesCarrying(25);
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

    List<String> got = new ArrayList<>();
    messages.forEach(m -> m.getJsonArray("lines").forEach(l -> got.add((String) l)));
    assertThat(got).containsExactlyElementsOf(lines);
    assertThat(messages).allMatch(m -> m.getJsonArray("lines").size() <= LogBatcher.MAX_LINES);
    assertThat(messages.size()).isLessThan(lines.size());
    assertThat(messages).allMatch(m -> "log_lines".equals(m.getString("type")) && "h1".equals(m.getString("hostId"))
        && "app".equals(m.getString("stream")) && m.getString("ts") != null && !m.containsKey("dropped"));
    assertThat(messages.stream().map(m -> m.getLong("seq")).toList()).isSorted().doesNotHaveDuplicates();
    // the last 5 lines are not a full batch: they wait for the timer
    assertThat(tookMs).isGreaterThanOrEqualTo(LogBatcher.MAX_WAIT_MS - 5);
    assertThat(batcher.messages()).isEqualTo(messages.size());
    assertThat(batcher.linesPublished()).isEqualTo(25);
    assertThat(batcher.linesDropped()).isZero();
    batcher.stop();
  }

  @Test
  void withOneLinePerMessageEveryLineIsItsOwnMessage() throws Exception {
    long[] seq = {0};
    LogBatcher batcher = new LogBatcher(vertx, context, ADDRESS, "h1", "app", () -> ++seq[0], 1, LogBatcher.MAX_WAIT_MS,
        LogBatcher.MAX_PENDING);
    IntStream.rangeClosed(1, 7).forEach(i -> batcher.add("line " + i));
    List<JsonObject> messages = messagesCarrying(7);
    assertThat(messages).hasSize(7).allMatch(m -> m.getJsonArray("lines").size() == 1);
    assertThat(messages.stream().map(m -> m.getJsonArray("lines").getString(0)).toList())
        .containsExactly("line 1", "line 2", "line 3", "line 4", "line 5", "line 6", "line 7");
    assertThat(messages.stream().map(m -> m.getLong("seq")).toList()).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
    batcher.stop();
  }
}
