package dev.opsbus.bench;

import io.vertx.core.Vertx;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Command line of the bench jar: {@code load} (the generator), {@code raw-server} (the baseline
 * server), {@code opsbus-server} (a gateway-only opsbus node with the bench publisher), {@code report}
 * (CSV to BENCHMARKS.md and the chart). This CLI prints its results on
 * standard output; the classes it drives do not print.
 */
public final class BenchMain {

  private static final List<String> LOAD_FLAGS = List.of("protocol", "url", "control", "server", "scenario", "run",
      "clients", "connect-rate", "warmup", "duration", "drain", "pause", "loads", "rates", "size",
      "stop-after-failures", "max-generator-busy", "p99-limit-ms", "address", "login-url", "user", "password",
      "server-pid", "mode", "idle-steps", "settle", "out");

  private BenchMain() {
  }

  public static void main(String[] args) throws Exception {
    PrintStream out = System.out;
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("help")) {
      usage(out);
      return;
    }
    String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
    try {
      switch (args[0]) {
        case "load" -> load(rest, out);
        case "raw-server" -> rawServer(rest, out);
        case "opsbus-server" -> OpsbusBenchServer.main(rest, out);
        case "report" -> ReportWriter.main(rest);
        default -> {
          usage(out);
          System.exit(2);
        }
      }
    } catch (IllegalArgumentException e) {
      System.err.println("bench: " + e.getMessage());
      System.exit(2);
    }
  }

  private static void usage(PrintStream out) {
    out.println("""
        usage: java -jar opsbus-bench.jar <command> [flags]
          load        --protocol raw|socketio|opsbus --url ws://127.0.0.1:PORT [--control http://127.0.0.1:PORT]
                      --clients N [--connect-rate 2000] [--warmup 2] [--duration 10] [--drain 3] [--pause 1]
                      [--loads D1,D2,... deliveries/s | --rates R1,R2,... msg/s] [--size 200]
                      [--stop-after-failures 2] [--max-generator-busy 70] [--p99-limit-ms 50]
                      [--server LABEL] [--scenario fanout] [--run 1] [--out results.csv]
                      [--mode fanout|idle] [--idle-steps 1000,10000] [--settle 3] [--server-pid PID]
                      opsbus only: [--address bench.fanout] [--user admin] [--password P] [--login-url URL]
          raw-server  [--host 127.0.0.1] [--port 8091]
          opsbus-server [--host 127.0.0.1] [--port 0] [--control-port 0] [--pg-url URL] [--data-dir DIR]
                      [--queue-bound 4096] [--max-connections-per-user 20000]; OPSBUS_ADMIN_PASSWORD must be set
          report      --results DIR --report FILE [--chart FILE]""");
  }

  private static void load(String[] args, PrintStream out) throws Exception {
    Flags f = Flags.parse(args, List.of());
    f.checkOnly(LOAD_FLAGS);
    URI url = URI.create(f.string("url", "ws://127.0.0.1:8091"));
    String control = f.string("control", "http://" + url.getHost() + ":" + url.getPort());
    int clients = f.integer("clients", 100);
    List<Double> loads = f.decimals("loads", "");
    if (loads.isEmpty()) {
      loads = f.decimals("rates", "20").stream().map(r -> r * clients).toList();
    }
    String protocol = f.string("protocol", "raw");
    LoadOptions o = new LoadOptions(protocol, url, control, f.string("server", protocol), f.string("scenario", "fanout"),
        f.integer("run", 1), clients, f.decimal("connect-rate", 2000), f.decimal("warmup", 2),
        f.decimal("duration", 10), f.decimal("drain", 3), f.decimal("pause", 1), loads, f.integer("size", 200),
        f.integer("stop-after-failures", 0), f.decimal("max-generator-busy", 70),
        f.decimal("p99-limit-ms", LoadOptions.DEFAULT_P99_LIMIT_MS), f.string("address", "bench.fanout"),
        f.string("login-url", null), f.string("user", "admin"), f.string("password", System.getenv("OPSBUS_ADMIN_PASSWORD")),
        f.integer("server-pid", -1), f.decimals("idle-steps", "1000,10000").stream().map(Double::intValue).toList(),
        f.decimal("settle", 3));
    Path csv = Path.of(f.string("out", "bench/results/results.csv"));
    Vertx vertx = Vertx.vertx();
    try (LoadGenerator gen = new LoadGenerator(vertx, o)) {
      if (f.string("mode", "fanout").equals("idle")) {
        gen.runIdle(r -> {
          out.println(r.summary());
          write(csv, r.columns());
        });
      } else {
        gen.runFanout(r -> {
          out.println(r.summary());
          write(csv, r.columns());
        });
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
  }

  private static void write(Path csv, java.util.Map<String, Object> row) {
    try {
      CsvFile.append(csv, row);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void rawServer(String[] args, PrintStream out) throws Exception {
    Flags f = Flags.parse(args, List.of());
    f.checkOnly(List.of("host", "port"));
    Vertx vertx = Vertx.vertx();
    RawBroadcastServer server = new RawBroadcastServer(f.string("host", "127.0.0.1"), f.integer("port", 8091));
    vertx.deployVerticle(server).toCompletionStage().toCompletableFuture().get();
    // the one line the bench scripts read to learn the port
    out.println("{\"listening\":" + server.actualPort() + ",\"pid\":" + ProcStats.selfPid() + "}");
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      vertx.close();
      stopped.countDown();
    }));
    stopped.await();
  }
}
