package dev.opsbus.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The targets table judges each target from the run's rows: the figure, then met or not met. */
class TargetsSectionTest {

  @TempDir
  Path dir;

  @Test
  void terminalEchoIsJudgedOnWhatOpsbusAddsAtP50AndP99() throws Exception {
    terminal("opsbus", 1.50, 5.00);
    terminal("sshj", 0.60, 1.50);
    String md = new ReportWriter(dir).markdown("chart.png");
    assertThat(row(md, "terminal echo adds"))
        .contains("p50 +0.90 ms (1.50 against 0.60 ms: met)", "p99 +3.50 ms (5.00 against 1.50 ms: not met)", "— not met");
  }

  @Test
  void operationsAreJudgedOnTheWarmRoundsAloneAndTheColdRoundDoesNotCount() throws Exception {
    ops(1, true, 400, 100);
    ops(2, false, 1_800, 350);
    ops(3, false, 2_300, 360);
    ops(4, false, 2_200, 340);
    String md = new ReportWriter(dir).markdown("chart.png");
    assertThat(row(md, "accepted starts/s"))
        .contains("warm rounds (3): 2,200 (1,800–2,300) accepted/s, best round 2,300", "completed 350 (340–360)/s",
            "1,000 hosts", "**met**");
  }

  @Test
  void theGeneratorIsJudgedAtTheHighestLoadItTookInFullAtAValidPoint() throws Exception {
    fanout(100_000, false, 100.0, 4.0);     // valid, taken in full: 250,000/s on one core
    fanout(200_000, true, 100.0, 1.0);      // thrown out: does not count
    fanout(150_000, false, 80.0, 2.0);      // not delivered in full: does not count
    String md = new ReportWriter(dir).markdown("chart.png");
    assertThat(row(md, "the generator drives"))
        .contains("100,000 deliveries/s (opsbus, 1,000 clients)", "4.00 µs CPU per delivery: 250,000/s on one core",
            "below the bar there", "judged against the plain sink");
  }

  @Test
  void targetsWithoutRowsSayNotMeasured() throws Exception {
    terminal("opsbus", 1.0, 2.0);
    String md = new ReportWriter(dir).markdown("chart.png");
    assertThat(row(md, "terminal echo adds")).contains("not measured");
    assertThat(row(md, "accepted starts/s")).contains("not measured");
    assertThat(row(md, "the generator drives")).contains("not measured");
  }

  private static String row(String md, String target) {
    int at = md.indexOf("## Where opsbus stands against its targets");
    assertThat(at).as("the targets section").isNotNegative();
    for (String line : md.substring(at).split("\n")) {
      if (line.startsWith("| ") && line.contains(target)) {
        return line;
      }
    }
    throw new AssertionError("no row for " + target + " in\n" + md);
  }

  private void terminal(String path, double p50, double p99) throws Exception {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("scenario", "terminal");
    r.put("run", 1);
    r.put("path", path);
    r.put("mode", "single");
    r.put("keys", 2000);
    r.put("p50_ms", p50);
    r.put("p99_ms", p99);
    r.put("relay_flush_delay_ms", 5.0);
    CsvFile.append(dir.resolve("terminal.csv"), r);
  }

  private void ops(int round, boolean cold, double accepted, double completed) throws Exception {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("scenario", "ops");
    r.put("run", 1);
    r.put("round", round);
    r.put("cold", cold);
    r.put("hosts", 1000);
    r.put("type", "bench_true");
    r.put("http_connections", 64);
    r.put("accepted_per_s", accepted);
    r.put("completed_per_s", completed);
    r.put("failed", 0);
    r.put("refused", 0);
    CsvFile.append(dir.resolve("ops.csv"), r);
  }

  private void fanout(double offered, boolean overloaded, double deliveredPct, double genUs) throws Exception {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("scenario", "fanout");
    r.put("server", "opsbus");
    r.put("protocol", "opsbus");
    r.put("run", 1);
    r.put("clients", 1000);
    r.put("offered_deliveries_per_s", offered);
    r.put("delivered_pct", deliveredPct);
    r.put("rate_held", true);
    r.put("p99_ms", 20.0);
    r.put("generator_overloaded", overloaded);
    r.put("generator_process_cpu_pct", 40.0);
    r.put("generator_cpu_us_per_delivery", genUs);
    r.put("passed", !overloaded && deliveredPct >= 99);
    CsvFile.append(dir.resolve("fanout.csv"), r);
  }
}
