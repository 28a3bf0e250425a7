package dev.opsbus.operations;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class ChangeQueueTest {

  @Test
  void changesMergedDuringAnOutageKeepTheLatestOfEachFieldAndAllMetadata() {
    ChangeQueue.Change progress = new ChangeQueue.Change("in_progress", 40, "line two", null, new JsonObject().put("a", 1));
    ChangeQueue.Change end = ChangeQueue.finishing("completed", "released", null, new JsonObject().put("exitStatus", 0));
    ChangeQueue.Change merged = progress.mergedWith(end);
    assertThat(merged.status()).isEqualTo("completed");
    assertThat(merged.progress()).isEqualTo(100);
    assertThat(merged.message()).isEqualTo("released");
    assertThat(merged.error()).isNull();
    assertThat(merged.meta()).isEqualTo(new JsonObject().put("a", 1).put("exitStatus", 0));

    ChangeQueue.Change failed = progress.mergedWith(ChangeQueue.finishing("failed", "failed", "exit status 3", null));
    assertThat(failed.progress()).as("a failure keeps the progress it reached").isEqualTo(40);
    assertThat(failed.error()).isEqualTo("exit status 3");
  }
}
