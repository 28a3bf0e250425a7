package dev.opsbus.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The summary of {@code run.sh --transports}: per server label of {@code fanout.csv} (opsbus-nio,
 * opsbus-epoll, raw, socketio, sink, sink-vertx), its capacity and what each side's core did at the
 * top point, then the ratios of the same run. Markdown on standard output and in
 * {@code transport-summary.md} beside the CSV.
 */
final class TransportSummary {

  private TransportSummary() {
  }

  /** One label's figures; NaN where no point qualified. */
  record Line(String server, double capacity, double capacityWithThrownOut, double throughput, double genBusyPct, double genMicros,
      double serverCoreBusyPct, double serverMicros, int points) {
  }

  static void main(String[] args, PrintStream out) throws IOException {
    Flags f = Flags.parse(args, List.of());
    f.checkOnly(List.of("results", "p99-limit-ms"));
    Path dir = Path.of(f.string("results", "."));
    double p99Limit = f.decimal("p99-limit-ms", LoadOptions.DEFAULT_P99_LIMIT_MS);
    List<Map<String, String>> rows = CsvFile.read(dir.resolve("fanout.csv"));
    Map<String, List<Map<String, String>>> byServer = new LinkedHashMap<>();
    for (Map<String, String> r : rows) {
      byServer.computeIfAbsent(r.get("server") + " @ " + r.get("clients"), k -> new ArrayList<>()).add(r);
    }
    StringBuilder md = new StringBuilder();
    md.append("| server @ clients | capacity/s (valid) | capacity/s (counting thrown-out points) | delivered/s (≥ 99%, rate held, "
        + "no latency limit, thrown-out points counted) | generator core % there | generator µs/delivery there | "
        + "generator one-core ceiling/s | server core % there | server CPU µs/delivery there |\n");
    md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    Map<String, Line> lines = new LinkedHashMap<>();
    for (var e : byServer.entrySet()) {
      Line l = line(e.getKey(), e.getValue(), p99Limit);
      lines.put(e.getKey(), l);
      md.append(String.format(Locale.ROOT, "| %s | %,.0f | %,.0f | %,.0f | %.0f | %.2f | %,.0f | %.0f | %.2f |%n", l.server(), l.capacity(),
          l.capacityWithThrownOut(), l.throughput(), l.genBusyPct(), l.genMicros(), 1e6 / l.genMicros(), l.serverCoreBusyPct(), l.serverMicros()));
    }
    md.append('\n');
    ratio(md, lines, "opsbus-epoll", "opsbus-nio");
    ratio(md, lines, "opsbus-epoll", "raw");
    ratio(md, lines, "opsbus-epoll", "socketio");
    ratio(md, lines, "opsbus-nio", "raw");
    ratio(md, lines, "sink", "sink-vertx");
    // the gateway on two event loops (gateway.eventLoops = 2): on the server core alone, and on two cores
    ratio(md, lines, "opsbus-loops2", "opsbus-epoll");
    ratio(md, lines, "opsbus-loops2-cores2", "opsbus-epoll");
    ratio(md, lines, "opsbus-loops2-cores2", "socketio");
    md.append("\nEvery point:\n\n| server | clients | offered/s | delivered % | p99 ms | server core % | server µs/delivery | "
        + "generator core % | generator µs/delivery | passed | thrown out |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n");
    for (Map<String, String> r : rows) {
      md.append(String.format(Locale.ROOT, "| %s | %s | %,.0f | %.2f | %.2f | %.0f | %.2f | %.0f | %.2f | %s | %s |%n",
          r.get("server"), r.get("clients"), num(r, "offered_deliveries_per_s"), num(r, "delivered_pct"), num(r, "p99_ms"),
          num(r, "server_core_busy_pct"), num(r, "server_cpu_us_per_delivery"), num(r, "generator_busy_pct"),
          num(r, "generator_cpu_us_per_delivery"), r.get("passed"), r.get("generator_overloaded")));
    }
    out.print(md);
    Files.writeString(dir.resolve("transport-summary.md"), md.toString());
  }

  private static void ratio(StringBuilder md, Map<String, Line> lines, String a, String b) {
    for (var e : lines.entrySet()) {
      if (!e.getKey().startsWith(a + " @ ")) {
        continue;
      }
      String at = e.getKey().substring(a.length());
      Line la = e.getValue();
      Line lb = lines.get(b + at);
      if (lb == null) {
        continue;
      }
      md.append(String.format(Locale.ROOT, "- %s / %s%s: capacity %.2f× (counting thrown-out points %.2f×; no latency limit %.2f×), "
          + "server CPU per delivery %.2f×, generator CPU per delivery %.2f×%n",
          a, b, at, la.capacity() / lb.capacity(), la.capacityWithThrownOut() / lb.capacityWithThrownOut(),
          la.throughput() / lb.throughput(), la.serverMicros() / lb.serverMicros(), la.genMicros() / lb.genMicros()));
    }
  }

  private static Line line(String server, List<Map<String, String>> points, double p99Limit) {
    double capacity = 0;
    double withThrownOut = 0;
    double throughput = 0;
    Map<String, String> top = null;
    Map<String, String> topThroughput = null;
    for (Map<String, String> r : points) {
      double offered = num(r, "offered_deliveries_per_s");
      boolean goodButMaybeThrownOut = num(r, "delivered_pct") >= 99 && "true".equals(r.get("rate_held"))
          && num(r, "p99_ms") < p99Limit && num(r, "errors") == 0 && num(r, "invalid_frames") == 0;
      if ("true".equals(r.get("passed"))) {
        capacity = Math.max(capacity, offered);
      }
      if (goodButMaybeThrownOut && offered >= withThrownOut) {
        withThrownOut = offered;
        top = r;
      }
      if (num(r, "delivered_pct") >= 99 && "true".equals(r.get("rate_held")) && num(r, "errors") == 0 && offered >= throughput) {
        throughput = offered;
        topThroughput = r;
      }
    }
    // the figures "there" are the top point's: the highest that met the latency limit, else the highest delivered in full
    top = top != null ? top : topThroughput;
    if (top == null) {
      return new Line(server, capacity, withThrownOut, throughput, Double.NaN, Double.NaN, Double.NaN, Double.NaN, points.size());
    }
    return new Line(server, capacity, withThrownOut, throughput, num(top, "generator_busy_pct"), num(top, "generator_cpu_us_per_delivery"),
        num(top, "server_core_busy_pct"), num(top, "server_cpu_us_per_delivery"), points.size());
  }

  private static double num(Map<String, String> r, String column) {
    String v = r.get(column);
    if (v == null || v.isEmpty()) {
      return Double.NaN;
    }
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }
}
