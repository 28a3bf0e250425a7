package dev.opsbus.model.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RendezvousTest {

  private static final List<String> THREE = List.of("node-a", "node-b", "node-c");

  @Test
  void everyMemberComputesTheSameOwnerWhateverTheOrder() {
    for (int i = 0; i < 200; i++) {
      String host = "host-" + i;
      assertThat(Rendezvous.owner(host, THREE)).isEqualTo(Rendezvous.owner(host, List.of("node-c", "node-a", "node-b")));
    }
    assertThat(Rendezvous.owner("h", List.of())).isNull();
  }

  @Test
  void hostsSpreadOverTheMembers() {
    Map<String, Integer> per = new HashMap<>();
    for (int i = 0; i < 3000; i++) {
      per.merge(Rendezvous.owner("host-" + i, THREE), 1, Integer::sum);
    }
    assertThat(per).containsOnlyKeys(THREE);
    per.values().forEach(n -> assertThat(n).isBetween(800, 1200));
  }

  @Test
  void onlyTheLostMembersHostsMoveAndAJoinTakesOnlyWhatItNowOwns() {
    for (int i = 0; i < 1000; i++) {
      String host = "host-" + i;
      String before = Rendezvous.owner(host, THREE);
      String afterLoss = Rendezvous.owner(host, List.of("node-a", "node-c"));
      if (!before.equals("node-b")) {
        assertThat(afterLoss).isEqualTo(before);
      }
      String afterJoin = Rendezvous.owner(host, List.of("node-a", "node-b", "node-c", "node-d"));
      assertThat(afterJoin).isIn(before, "node-d");
    }
  }
}
