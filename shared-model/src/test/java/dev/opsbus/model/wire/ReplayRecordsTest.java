package dev.opsbus.model.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The bridge's replay request and the services' answer, with the field names both sides read. */
class ReplayRecordsTest {

  @Test
  void aReplayRequestNamesTheAddressItsPartsAndWhereToResume() {
    JsonObject json = new ReplayRequest("ops.updates.host.h1", Map.of("hostId", "h1"), 41L).toJson();
    assertThat(json).isEqualTo(new JsonObject().put("replay", true).put("address", "ops.updates.host.h1").put("hostId", "h1").put("sinceSeq", 41L));
    assertThat(ReplayRequest.isReplay(json)).isTrue();
    assertThat(ReplayRequest.isReplay(new JsonObject().put("hostId", "h1"))).isFalse();
    assertThat(ReplayRequest.isReplay(null)).isFalse();
    assertThat(new ReplayRequest("metrics.node", null, null).toJson().fieldNames()).containsExactlyInAnyOrder("replay", "address");
  }

  @Test
  void aReplayAnswerRoundTripsAndReadsAbsentChangesAsNone() {
    ReplayAnswer a = ReplayAnswer.of(List.of(new JsonObject().put("seq", 3)), 7L);
    assertThat(a.toJson().encode()).isEqualTo("{\"changes\":[{\"seq\":3}],\"lastSeq\":7}");
    assertThat(ReplayAnswer.fromJson(a.toJson())).isEqualTo(a);
    assertThat(ReplayAnswer.of().toJson().encode()).isEqualTo("{\"changes\":[]}");
    assertThat(ReplayAnswer.fromJson(new JsonObject()).changes()).isEmpty();
  }
}
