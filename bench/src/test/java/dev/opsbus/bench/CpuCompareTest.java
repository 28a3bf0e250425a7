package dev.opsbus.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The paired comparison divides B by A round by round and leaves out rounds that lost messages. */
class CpuCompareTest {

  private static Map<String, String> point(String server, int run, double us, double delivered) {
    return Map.of("server", server, "run", String.valueOf(run), "offered_deliveries_per_s", "40000",
        "server_cpu_us_per_delivery", String.valueOf(us), "delivered_pct", String.valueOf(delivered));
  }

  @Test
  void theRatioIsTheMedianOfEachRoundsOwnRatio() {
    String md = CpuCompare.summary(List.of(
        point("A", 1, 10, 100), point("B", 1, 11, 100),   // 1.10
        point("A", 2, 20, 100), point("B", 2, 20, 100),   // 1.00 (a slow round for both)
        point("A", 3, 10, 100), point("B", 3, 10.5, 100), // 1.05
        point("A", 4, 10, 100), point("B", 4, 5, 90),     // B lost messages: round left out
        point("C", 1, 9, 100), point("C", 2, 18, 100)));  // a third build, two rounds: 0.90 each
    assertThat(md).contains("| 40,000 | B | 3 | 10.00 (10.00–20.00) | 11.00 (10.50–20.00) | 1.050 (1.000–1.100) |");
    assertThat(md).contains("| 40,000 | C | 2 | 15.00 (10.00–20.00) | 13.50 (9.00–18.00) | 0.900 |");
  }
}
