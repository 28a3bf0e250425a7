package dev.opsbus.bench;

import io.vertx.core.Vertx;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Command line of the bench jar: {@code load} (the generator), {@code logs} (the log-lines
 * scenario's generator), {@code raw-server} (the baseline server), {@code opsbus-server} (a
 * gateway-only opsbus node with the bench publisher, alone or clustered), {@code report}
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
        case "logs" -> logs(rest, out);
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
          logs        --url ws://127.0.0.1:GATEWAY --control http://127.0.0.1:CONTROL [--user admin] [--password P]
                      [--clients 1] [--rates 1000,5000 lines/s] [--modes batched,unbatched] [--size 120]
                      [--prime 2] [--warmup 1] [--duration 5] [--drain 2] [--pause 0.5] [--server opsbus] [--run 1]
                      [--server-pid PID] [--out logs.csv]
          raw-server  [--host 127.0.0.1] [--port 8091]
          opsbus-server [--host 127.0.0.1] [--port 0] [--control-port 0] [--pg-url URL] [--data-dir DIR]
                      [--queue-bound 4096] [--max-connections-per-user 20000]
                      [--cluster --cluster-name NAME [--publisher-only] [--await-members N]];
                      OPSBUS_ADMIN_PASSWORD must be set
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

  private static void logs(String[] args, PrintStream out) throws Exception {
    Flags f = Flags.parse(args, List.of());
    f.checkOnly(List.of("url", "control", "user", "password", "server", "run", "clients", "rates", "modes", "size",
        "prime", "warmup", "duration", "drain", "pause", "server-pid", "out"));
    URI url = URI.create(f.string("url", "ws://127.0.0.1:8080"));
    LogLinesGenerator.Options o = new LogLinesGenerator.Options(url,
        f.string("control", "http://" + url.getHost() + ":" + url.getPort()), f.string("user", "admin"),
        f.string("password", System.getenv("OPSBUS_ADMIN_PASSWORD")), f.string("server", "opsbus"), f.integer("run", 1),
        f.integer("clients", 1), f.decimals("rates", "1000,5000"),
        List.of(f.string("modes", "batched,unbatched").split(",")), f.integer("size", LogLinePublisher.DEFAULT_SIZE),
        f.decimal("prime", 2), f.decimal("warmup", 1), f.decimal("duration", 5), f.decimal("drain", 2), f.decimal("pause", 0.5),
        f.integer("server-pid", -1));
    Path csv = Path.of(f.string("out", "bench/results/logs.csv"));
    Vertx vertx = Vertx.vertx();
    try (LogLinesGenerator gen = new LogLinesGenerator(vertx, o)) {
      gen.run(r -> {
        out.println(r.summary());
        write(csv, r.columns());
      });
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
