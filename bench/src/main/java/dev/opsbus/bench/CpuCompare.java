package dev.opsbus.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The summary of {@code bench/cpu-compare.sh}: per offered load and build, the server's CPU per
 * delivery in each round, and the ratio to build A (the reference) in the same round; the median of
 * the ratios with their spread. A round whose point of either build did not deliver 99% is left out
 * of that ratio (its CPU per delivery would be divided by what was lost).
 */
public final class CpuCompare {

  private CpuCompare() {
  }

  public static void main(String[] args) throws Exception {
    System.out.print(summary(CsvFile.read(Path.of(args[0]))));
  }

  static String summary(List<Map<String, String>> rows) {
    // load -> round -> build -> µs per delivery
    Map<Double, Map<Integer, Map<String, Double>>> cpu = new TreeMap<>();
    TreeSet<String> builds = new TreeSet<>();
    for (Map<String, String> r : rows) {
      if (ReportWriter.num(r, "delivered_pct") < 99) {
        continue;
      }
      builds.add(r.get("server"));
      cpu.computeIfAbsent(ReportWriter.num(r, "offered_deliveries_per_s"), k -> new TreeMap<>())
          .computeIfAbsent((int) ReportWriter.num(r, "run"), k -> new TreeMap<>())
          .put(r.get("server"), ReportWriter.num(r, "server_cpu_us_per_delivery"));
    }
    StringBuilder md = new StringBuilder();
    md.append("| offered deliveries/s | build | rounds | A µs/delivery | build µs/delivery | build / A (median of rounds, min–max) |\n");
    md.append("|---:|---|---:|---:|---:|---:|\n");
    cpu.forEach((load, rounds) -> {
      for (String build : builds) {
        if (build.equals("A")) {
          continue;
        }
        List<Double> a = new ArrayList<>();
        List<Double> b = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        for (Map<String, Double> round : rounds.values()) {
          Double x = round.get("A");
          Double y = round.get(build);
          if (x != null && y != null && x > 0) {
            a.add(x);
            b.add(y);
            ratios.add(y / x);
          }
        }
        md.append(String.format(Locale.ROOT, "| %,.0f | %s | %d | %s | %s | %s |\n", load, build, ratios.size(),
            ReportWriter.Spread.of(a).format("%.2f"), ReportWriter.Spread.of(b).format("%.2f"),
            ReportWriter.Spread.of(ratios).format("%.3f")));
      }
    });
    return md.toString();
  }
}
