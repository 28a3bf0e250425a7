package dev.opsbus.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The browser's path (opsbus-sockjs) is reported against opsbus's raw bridge path of the same run, with issue 12's bar. */
class ReportSockJsTest {

  static final String FANOUT_HEADER = "server,run,clients,offered_deliveries_per_s,rate_msgs,delivered_pct,rate_held,p50_ms,p99_ms,"
      + "passed,generator_overloaded,generator_busy_pct\n";

  static String point(String server, int offered, boolean passed) {
    return String.format("%s,1,1000,%d,%d,%s,true,1.0,%s,%s,false,40\n", server, offered, offered / 1000,
        passed ? "100" : "90", passed ? "5.0" : "80.0", passed);
  }

  @Test
  void theFirstClientCountWhereNoPointKeepsP99UnderTheLimitIsNamedPerServer(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("fanout.csv"), FANOUT_HEADER
        + point("raw", 40_000, true)
        + point("raw", 20_000, false).replace(",1000,", ",5000,") + point("raw", 20_000, false).replace(",1000,", ",10000,")
        + point("socketio", 40_000, true) + point("socketio", 20_000, true).replace(",1000,", ",5000,")
        + point("socketio", 20_000, false).replace(",1000,", ",10000,"));
    String md = new ReportWriter(dir).markdown("chart.png");
    assertThat(md).contains("First client count where no point keeps p99 under 50 ms: socketio 10,000; raw 5,000.");
  }

  @Test
  void sockJsCapacityAndP99AreJudgedAgainstTheRawBridgePath(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("fanout.csv"), FANOUT_HEADER
        + point("opsbus", 80_000, true) + point("opsbus", 100_000, false)
        + point("opsbus-sockjs", 60_000, true) + point("opsbus-sockjs", 80_000, false));
    Files.writeString(dir.resolve("latency.csv"), "server,run,clients,rate_msgs,p50_ms,p99_ms,p999_ms,delivered_pct,generator_overloaded\n"
        + "opsbus,1,1000,20,2.0,10.0,12.0,100,false\nopsbus-sockjs,1,1000,20,2.5,11.0,14.0,100,false\n");
    String md = new ReportWriter(dir).markdown("chart.png");

    assertThat(md).contains("| opsbus | opsbus-sockjs |");
    assertThat(md).contains("First client count where no point keeps p99 under 50 ms: opsbus none up to 1,000; opsbus-sockjs none up to 1,000.");
    assertThat(md).contains("against opsbus's raw bridge path, same node, same run: 1,000 clients 0.75×.");
    assertThat(md).contains("SockJS/raw bridge path (opsbus-sockjs/opsbus) 1.10×");
    assertThat(md).contains("| SockJS websocket at 1k clients: capacity ≥ 0.9× and p99 ≤ 1.2× the raw bridge path | capacity 60,000/s "
        + "against 80,000/s: 0.75× (not met); p99 11.00 ms against 10.00 ms: 1.10× (met) — not met |");
  }
}
