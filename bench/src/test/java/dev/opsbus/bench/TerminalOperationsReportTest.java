package dev.opsbus.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The echo tracker's bookkeeping, and the report's terminal and operations sections from CSV rows. */
class TerminalOperationsReportTest {

  @TempDir
  Path dir;

  @Test
  void echoesCountOnlyAfterTheReadyLineAndWrongBytesAreCounted() throws Exception {
    EchoTracker t = new EchoTracker(8);
    t.onOutput("$ stty raw -echo; echo RE''ADY; exec cat\r\n".getBytes(StandardCharsets.US_ASCII), 1);
    assertThatThrownBy(() -> t.awaitReady(1)).isInstanceOf(TimeoutException.class);
    t.onOutput("REA".getBytes(StandardCharsets.US_ASCII), 2);
    t.onOutput("DY\n".getBytes(StandardCharsets.US_ASCII), 3);
    t.awaitReady(1);
    int k0 = t.sending((byte) 'a', 100);
    int k1 = t.sending((byte) 'b', 200);
    t.onOutput(new byte[] {'a'}, 150);
    t.awaitEchoes(k0 + 1, 1);
    assertThatThrownBy(() -> t.awaitEchoes(k1 + 1, 1)).isInstanceOf(TimeoutException.class);
    t.onOutput(new byte[] {'x'}, 260);
    t.awaitEchoes(k1 + 1, 1);
    assertThat(t.roundTrip(k0)).isEqualTo(50);
    assertThat(t.roundTrip(k1)).isEqualTo(60);
    assertThat(t.mismatches()).isEqualTo(1);
  }

  @Test
  void theReportGivesTheTerminalRatioWhatItAddsAndTheOperationsTables() throws Exception {
    terminalRow("opsbus", 7.0, 12.0, 20.0);
    terminalRow("sshj", 0.5, 2.0, 6.0);
    Map<String, Object> rate = opsRow("rate", 1);
    rate.put("hosts", 8);
    rate.put("type", "bench_true");
    rate.put("window_s", 10.0);
    rate.put("starts_per_s", 19.0);
    rate.put("completed_per_s", 19.3);
    rate.put("start_p50_ms", 102.4);
    rate.put("failed", 0);
    rate.put("refused", 0);
    CsvFile.append(dir.resolve("operations.csv"), rate);
    for (int s = 0; s <= 2; s++) {
      Map<String, Object> storm = opsRow("storm", 1);
      storm.put("storm", s);
      storm.put("warmup", s == 0);
      storm.put("type", "bench_hold");
      storm.put("starts", 500);
      storm.put("created", 1);
      storm.put("answered_already_running", 499);
      storm.put("answer_errors", 0);
      storm.put("same_id", true);
      storm.put("answer_p50_ms", s == 0 ? 9000.0 : 100.0 * s);
      CsvFile.append(dir.resolve("operations.csv"), storm);
    }
    String md = new ReportWriter(dir).markdown("chart.png");
    assertThat(md).contains("## Terminal echo", "| opsbus | one at a time | 2,000 | 7.00 |",
        "p50 14.00× (+6.50 ms)", "So the 6.50 ms opsbus adds at p50 is the path itself");
    assertThat(md).contains("## Operations", "| 19.0 | 19.3 | 102.4 |", "| 3/3 | 1 | 499 | 0 | 150 (100–200) |");
  }

  private void terminalRow(String path, double p50, double p99, double p999) throws Exception {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("scenario", "terminal");
    r.put("run", 1);
    r.put("path", path);
    r.put("mode", "single");
    r.put("keys", 2000);
    r.put("burst_size", 1);
    r.put("p50_ms", p50);
    r.put("p90_ms", p99 / 2);
    r.put("p99_ms", p99);
    r.put("p999_ms", p999);
    r.put("max_ms", p999);
    r.put("mismatches", 0);
    r.put("relay_flush_delay_ms", 5.0);
    CsvFile.append(dir.resolve("terminal.csv"), r);
  }

  private static Map<String, Object> opsRow(String kind, int run) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("scenario", "operations");
    r.put("kind", kind);
    r.put("run", run);
    for (String c : new String[] {"storm", "warmup", "hosts", "type", "window_s", "starts_per_s", "completed_per_s",
        "start_p50_ms", "failed", "refused", "starts", "created", "answered_already_running", "answer_errors", "same_id",
        "answer_p50_ms"}) {
      r.put(c, "");
    }
    return r;
  }
}
