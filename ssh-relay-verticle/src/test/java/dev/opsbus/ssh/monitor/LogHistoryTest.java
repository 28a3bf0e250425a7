package dev.opsbus.ssh.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The last lines kept per log for the replay to a new subscriber. */
class LogHistoryTest {

  static final String APP = "logs.host.h1.app";
  static final String SYS = "logs.host.h1.sys";

  static JsonObject batch(long seq, String... lines) {
    return new JsonObject().put("type", "log_lines").put("hostId", "h1").put("stream", "app").put("seq", seq)
        .put("lines", new JsonArray(new ArrayList<>(List.of(lines))));
  }

  static List<String> lines(List<JsonObject> batches) {
    List<String> out = new ArrayList<>();
    batches.forEach(b -> b.getJsonArray("lines").forEach(l -> out.add((String) l)));
    return out;
  }

  @Test
  void keepsExactlyTheLastLinesCuttingTheOldestBatchFromItsFront() {
    LogHistory h = new LogHistory(5);
    h.published(APP, batch(1, "a", "b", "c"));
    h.published(APP, batch(2, "d", "e", "f"));
    h.published(APP, batch(3, "g"));
    List<JsonObject> replay = h.since(APP, null);
    assertThat(lines(replay)).containsExactly("c", "d", "e", "f", "g");
    assertThat(replay).extracting(b -> b.getLong("seq")).containsExactly(1L, 2L, 3L);
    assertThat(h.lines(APP)).isEqualTo(5);
    h.published(APP, batch(4, "h", "i", "j", "k", "l", "m"));
    assertThat(lines(h.since(APP, null))).containsExactly("i", "j", "k", "l", "m");
    assertThat(h.since(APP, null)).extracting(b -> b.getLong("seq")).containsExactly(4L);
  }

  @Test
  void sinceSeqGivesOnlyTheBatchesAfterItAndLogsAreKeptApart() {
    LogHistory h = new LogHistory(100);
    h.published(APP, batch(1, "a"));
    h.published(APP, batch(2, "b"));
    h.published(SYS, batch(7, "x").put("dropped", 3));
    assertThat(lines(h.since(APP, 1L))).containsExactly("b");
    assertThat(h.since(APP, 2L)).isEmpty();
    assertThat(h.since("logs.host.h2.app", null)).isEmpty();
    assertThat(h.since(SYS, null).get(0).containsKey("dropped")).as("what was dropped before a live batch is not replayed").isFalse();
    h.forgetHost("h1");
    assertThat(h.since(APP, null)).isEmpty();
    assertThat(h.since(SYS, null)).isEmpty();
  }

  @Test
  void aBatchIsCopiedNotShared() {
    LogHistory h = new LogHistory(10);
    JsonObject live = batch(1, "a");
    h.published(APP, live);
    live.getJsonArray("lines").add("changed later");
    assertThat(lines(h.since(APP, null))).containsExactly("a");
  }
}
