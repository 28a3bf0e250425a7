package dev.opsbus.bench;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.opsbus.model.Json;
import dev.opsbus.model.event.Operation;
import dev.opsbus.model.wire.ExecEvent;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code json}: the cost of turning the bus's hottest records into the {@link JsonObject} that is
 * published (an operation's snapshot per change, an exec stream event per line) by {@link Json#toJsonObject}
 * against its peer in the same run, Jackson's {@code convertValue} (what it did before it had a fast
 * path). Rounds alternate the two paths on one thread; each round converts the same records
 * {@code --count} times. Prints a line per record: median ns per conversion of each path and the
 * median of the per-round ratios (fast path / Jackson).
 */
final class JsonConvertBench {

  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() { };

  private JsonConvertBench() {
  }

  static void main(String[] args, PrintStream out) {
    int count = 200_000;
    int rounds = 11;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--count" -> count = Integer.parseInt(args[i + 1]);
        case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("json: unknown flag " + args[i]);
      }
    }
    Instant ts = Instant.parse("2026-12-03T08:15:30.123456Z");
    Operation op = new Operation(Operation.TYPE, "0b8e3c2e-1111-4222-8333-944445555666", "opsb-17", "bench_true", Operation.IN_PROGRESS,
        50, "running", null, "user", "admin", "node-1", 3, 17L, Map.of("service", "nginx"), Map.of("execId", "e-1", "step", "running"),
        ts, ts, ts, null);
    ExecEvent line = new ExecEvent.Output(ExecEvent.OUTPUT, ts, "e-0b8e3c2e", 12, ExecEvent.Output.STDOUT, "Filesystem 1K-blocks Used");
    out.println("record,fast_ns,jackson_ns,fast_over_jackson");
    report(out, "operation", op, count, rounds);
    report(out, "exec_output", line, count, rounds);
  }

  private static void report(PrintStream out, String name, Object v, int count, int rounds) {
    List<Double> fast = new ArrayList<>();
    List<Double> jackson = new ArrayList<>();
    List<Double> ratios = new ArrayList<>();
    // the first round of each warms the JIT and is not counted
    for (int r = 0; r <= rounds; r++) {
      double a = nsPer(() -> Json.toJsonObject(v), count);
      double b = nsPer(() -> new JsonObject(Json.MAPPER.convertValue(v, MAP)), count);
      if (r > 0) {
        fast.add(a);
        jackson.add(b);
        ratios.add(a / b);
      }
    }
    out.printf("%s,%.0f,%.0f,%.3f%n", name, median(fast), median(jackson), median(ratios));
  }

  private static volatile int sink;

  private static double nsPer(Supplier<JsonObject> convert, int count) {
    long t0 = System.nanoTime();
    int h = 0;
    for (int i = 0; i < count; i++) {
      h += convert.get().size();
    }
    sink = h;
    return (System.nanoTime() - t0) / (double) count;
  }

  private static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    Collections.sort(s);
    return s.get(s.size() / 2);
  }
}
