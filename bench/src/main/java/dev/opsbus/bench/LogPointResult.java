package dev.opsbus.bench;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One point of the log-lines scenario: a line rate in one mode (batched or one line per message),
 * what the browsers received for the lines scheduled in the window. Frames and bytes are totals over
 * all browsers; the per-browser figures divide by the browsers connected.
 */
public record LogPointResult(
    String scenario,
    String server,
    int run,
    String mode,
    int maxLines,
    long maxWaitMs,
    int clientsRequested,
    int clientsConnected,
    double rateLines,
    int lineBytes,
    double warmupSeconds,
    double durationSeconds,
    long linesExpectedPerClient,
    long linesDelivered,
    long frames,
    long payloadBytes,
    long wireBytes,
    long messagesPublished,
    long linesPublished,
    long linesDropped,
    double maxPublisherLagMs,
    double p50Ms,
    double p99Ms,
    double p999Ms,
    double maxMs,
    double serverCpuPct,
    double serverCpuMicrosPerLine,
    double generatorBusyPct,
    long errors,
    long disconnects,
    long negativeLatencies,
    String firstError) {

  private double perClient(double v) {
    return clientsConnected == 0 ? Double.NaN : v / clientsConnected;
  }

  public double framesPerSecond() {
    return perClient(frames) / durationSeconds;
  }

  public double wireBytesPerSecond() {
    return perClient(wireBytes) / durationSeconds;
  }

  public double wireBytesPerLine() {
    return linesDelivered == 0 ? Double.NaN : (double) wireBytes / linesDelivered;
  }

  public double linesPerFrame() {
    return frames == 0 ? Double.NaN : (double) linesDelivered / frames;
  }

  public double deliveredPct() {
    return linesExpectedPerClient == 0 || clientsConnected == 0 ? Double.NaN
        : 100.0 * linesDelivered / ((double) linesExpectedPerClient * clientsConnected);
  }

  /** The CSV columns of logs.csv, in order; the report reads them by name. */
  public Map<String, Object> columns() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("scenario", scenario);
    c.put("server", server);
    c.put("run", run);
    c.put("mode", mode);
    c.put("max_lines", maxLines);
    c.put("max_wait_ms", maxWaitMs);
    c.put("clients", clientsRequested);
    c.put("clients_connected", clientsConnected);
    c.put("rate_lines", rateLines);
    c.put("line_bytes", lineBytes);
    c.put("warmup_s", warmupSeconds);
    c.put("duration_s", durationSeconds);
    c.put("lines_expected_per_client", linesExpectedPerClient);
    c.put("lines_delivered", linesDelivered);
    c.put("delivered_pct", deliveredPct());
    c.put("frames", frames);
    c.put("payload_bytes", payloadBytes);
    c.put("wire_bytes", wireBytes);
    c.put("frames_per_s", framesPerSecond());
    c.put("wire_bytes_per_s", wireBytesPerSecond());
    c.put("wire_bytes_per_line", wireBytesPerLine());
    c.put("lines_per_frame", linesPerFrame());
    c.put("messages_published", messagesPublished);
    c.put("lines_published", linesPublished);
    c.put("lines_dropped", linesDropped);
    c.put("max_publisher_lag_ms", maxPublisherLagMs);
    c.put("p50_ms", p50Ms);
    c.put("p99_ms", p99Ms);
    c.put("p999_ms", p999Ms);
    c.put("max_ms", maxMs);
    c.put("server_cpu_pct", serverCpuPct);
    c.put("server_cpu_us_per_line", serverCpuMicrosPerLine);
    c.put("generator_busy_pct", generatorBusyPct);
    c.put("errors", errors);
    c.put("disconnects", disconnects);
    c.put("negative_latencies", negativeLatencies);
    c.put("first_error", firstError == null ? "" : firstError);
    return c;
  }

  public String summary() {
    return String.format(Locale.ROOT,
        "logs %-9s %,.0f lines/s x %d browser(s): %.1f frames/s, %,.0f B/s, %.1f B/line, %.2f lines/frame, "
            + "delivered=%.2f%% p50=%.2fms p99=%.2fms server_cpu=%.0f%% %.2fus/line errors=%d disconnects=%d",
        mode, rateLines, clientsConnected, framesPerSecond(), wireBytesPerSecond(), wireBytesPerLine(), linesPerFrame(),
        deliveredPct(), p50Ms, p99Ms, serverCpuPct, serverCpuMicrosPerLine, errors, disconnects);
  }
}
