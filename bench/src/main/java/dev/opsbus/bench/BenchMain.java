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
 * gateway-only opsbus node with the bench publisher, alone or clustered), {@code report} (CSV to
 * BENCHMARKS.md and the chart), {@code ssh-server} (the SSH server of the terminal and operations
 * scenarios), {@code node} (the opsbus launcher), {@code terminal} and {@code operations} (their
 * generators). This CLI prints its results on
 * standard output; the classes it drives do not print.
 */
public final class BenchMain {

  private static final List<String> LOAD_FLAGS = List.of("protocol", "url", "control", "server", "scenario", "run",
      "clients", "connect-rate", "warmup", "duration", "drain", "pause", "loads", "rates", "size",
      "stop-after-failures", "max-generator-busy", "p99-limit-ms", "address", "login-url", "user", "password",
      "server-pid", "mode", "idle-steps", "settle", "out", "client", "client-threads", "max-generator-lag-ms", "prewarm");

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
        case "sink-server" -> FrameSinkServer.main(rest, out);
        case "transport-summary" -> TransportSummary.main(rest, out);
        case "opsbus-server" -> OpsbusBenchServer.main(rest, out);
        case "report" -> ReportWriter.main(rest);
        case "ssh-server" -> BenchSshServer.main(rest, out);
        // the real opsbus launcher (dev.opsbus.node.Main), from this jar: flags as opsbus.jar takes them
        case "node" -> dev.opsbus.node.Main.main(rest);
        case "terminal" -> terminal(rest, out);
        case "operations" -> operations(rest, out);
        case "service-publisher" -> ServicePublisher.main(rest, out);
        case "json" -> JsonConvertBench.main(rest, out);
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
                      [--client netty|vertx] [--client-threads 1]: the subscriber side (netty: epoll, stamp read
                      in place, the default; vertx: Vert.x WebSocket client and a JSON parse)
          logs        --url ws://127.0.0.1:GATEWAY --control http://127.0.0.1:CONTROL [--user admin] [--password P]
                      [--clients 1] [--rates 1000,5000 lines/s] [--modes batched,unbatched] [--size 120]
                      [--prime 2] [--warmup 1] [--duration 5] [--drain 2] [--pause 0.5] [--server opsbus] [--run 1]
                      [--server-pid PID] [--out logs.csv]
          raw-server  [--host 127.0.0.1] [--port 8091]
          json        [--count 200000] [--rounds 11]: Json.toJsonObject of an operation snapshot and an exec output
                      line against Jackson's convertValue in the same run (median ns each, median ratio)
          sink-server [--host 127.0.0.1] [--port 0] [--control-port 0]: the plain sink, pre-built raw frames
                      from one Netty loop, to measure the generator's own ceiling (load --protocol raw)
          opsbus-server [--host 127.0.0.1] [--port 0] [--control-port 0] [--pg-url URL] [--data-dir DIR]
                      [--queue-bound 4096] [--max-connections-per-user 20000] [--bridge-rate N]
                      [--cluster --cluster-name NAME [--publisher-only] [--await-members N]]
                      [--transport nio|epoll|io_uring] (the node's, default epoll);
                      OPSBUS_ADMIN_PASSWORD must be set
          report      --results DIR --report FILE [--chart FILE]
          transport-summary --results DIR: the table of run.sh --transports (fanout.csv by server label)
          ssh-server  [--port 0]; BENCH_SSH_PASSWORD must be set (a DemoSshServer on 127.0.0.1 with that password)
          node        the opsbus launcher itself (as java -jar opsbus.jar): --help lists its flags
          terminal    --url http://127.0.0.1:GATEWAY --ssh-port P --ssh-fingerprint SHA256:.. [--ssh-user U]
                      [--keys 2000] [--warmup 200] [--block 250] [--bursts 50] [--burst-size 20]
                      [--paths opsbus,sshj] [--user admin] [--password P] [--run 1] [--server-pid PID] [--out terminal.csv];
                      BENCH_SSH_PASSWORD must be set
          operations  --mode rate|storm --urls http://127.0.0.1:PORT[,http://127.0.0.1:PORT2] --ssh-port P
                      --ssh-fingerprint SHA256:.. [--ssh-user U] [--user admin] [--password P] [--run 1] [--out operations.csv]
                      rate: [--hosts 8] [--type bench_true] [--warmup 3] [--duration 15] [--server-pid PID]
                      storm: [--starts 500] [--storms 3] [--warmup-storms 1] [--storm-type bench_hold]
                      ops: [--hosts 250] [--rounds 3] [--connections 64] [--type bench_true] [--server-pid PID]
                           [--pg-port P --pg-password-file F [--peer-pool 6]]: the peer, plain INSERTs into the node's PostgreSQL
          service-publisher --url http://127.0.0.1:GATEWAY --server-control http://127.0.0.1:CONTROL --via http|tcp|websocket
                      [--tcp-port P] [--batch-max 500] [--http-connections 4] [--password P] [--control-port 0]:
                      one service (a key granted publish bench.fanout) publishing into an opsbus-server; serves the
                      control API for `load --protocol opsbus --control http://127.0.0.1:<its control port>`""");
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
        f.integer("stop-after-failures", 0), f.decimal("max-generator-busy", 95),
        f.decimal("p99-limit-ms", LoadOptions.DEFAULT_P99_LIMIT_MS), f.string("address", OpsbusBenchPublisher.FANOUT_ADDRESS),
        f.string("login-url", null), f.string("user", "admin"), f.string("password", System.getenv("OPSBUS_ADMIN_PASSWORD")),
        f.integer("server-pid", -1), f.decimals("idle-steps", "1000,10000").stream().map(Double::intValue).toList(),
        f.decimal("settle", 3), f.decimal("max-generator-lag-ms", 10), f.decimal("prewarm", 3));
    Path csv = Path.of(f.string("out", "bench/results/results.csv"));
    Vertx vertx = Vertx.vertx();
    SubscriberClient.Kind kind = SubscriberClient.Kind.parse(f.string("client", "netty"));
    try (LoadGenerator gen = new LoadGenerator(vertx, o, kind, f.integer("client-threads", 1))) {
      if (f.string("mode", "fanout").equals("idle")) {
        gen.runIdle(r -> {
          out.println(r.summary());
          write(csv, r.columns());
        });
      } else {
        gen.runFanout(r -> {
          out.println(r.summary() + " [client " + gen.clientDescription() + "]");
          write(csv, r.columns());
        });
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
  }

  private static void terminal(String[] args, PrintStream out) throws Exception {
    Flags f = Flags.parse(args, List.of());
    f.checkOnly(List.of("url", "user", "password", "ssh-port", "ssh-user", "ssh-fingerprint", "keys", "warmup", "block",
        "bursts", "burst-size", "paths", "run", "server-pid", "out"));
    TerminalBench.Options o = new TerminalBench.Options(URI.create(f.string("url", "http://127.0.0.1:8080")),
        f.string("user", "admin"), f.string("password", System.getenv("OPSBUS_ADMIN_PASSWORD")), f.integer("ssh-port", 0),
        f.string("ssh-user", System.getProperty("user.name")), sshPassword(), f.string("ssh-fingerprint", null),
        f.integer("keys", 2000), f.integer("warmup", 200), f.integer("block", 250), f.integer("bursts", 50),
        f.integer("burst-size", 20), f.integer("run", 1), List.of(f.string("paths", "opsbus,sshj").split(",")),
        f.integer("server-pid", -1));
    Path csv = Path.of(f.string("out", "bench/results/terminal.csv"));
    Vertx vertx = Vertx.vertx();
    try {
      new TerminalBench(vertx, o).run(r -> {
        out.println(r);
        write(csv, r);
      });
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

  private static void operations(String[] args, PrintStream out) throws Exception {
    Flags f = Flags.parse(args, List.of());
    f.checkOnly(List.of("mode", "urls", "user", "password", "ssh-port", "ssh-user", "ssh-fingerprint", "run", "hosts",
        "type", "warmup", "duration", "starts", "storms", "warmup-storms", "storm-type", "server-pid", "out", "rounds",
        "connections", "pg-port", "pg-password-file", "peer-pool"));
    String mode = f.string("mode", "rate");
    List<URI> urls = java.util.Arrays.stream(f.string("urls", "http://127.0.0.1:8080").split(","))
        .map(String::trim).filter(s -> !s.isEmpty()).map(URI::create).toList();
    OperationsBench.Options o = new OperationsBench.Options(urls, f.string("user", "admin"),
        f.string("password", System.getenv("OPSBUS_ADMIN_PASSWORD")), f.integer("ssh-port", 0),
        f.string("ssh-user", System.getProperty("user.name")), sshPassword(), f.string("ssh-fingerprint", null),
        f.integer("run", 1), f.integer("hosts", mode.equals("ops") ? 250 : 8), f.string("type", "bench_true"), f.decimal("warmup", 3),
        f.decimal("duration", 15), f.integer("starts", 500), f.integer("storms", 3), f.integer("warmup-storms", 1), f.string("storm-type", "bench_hold"),
        f.integer("server-pid", -1), f.integer("rounds", 3), f.integer("connections", 64), f.integer("pg-port", 0),
        f.string("pg-password-file", null), f.integer("peer-pool", 6));
    Path csv = Path.of(f.string("out", "bench/results/operations.csv"));
    Vertx vertx = Vertx.vertx();
    try {
      OperationsBench bench = new OperationsBench(vertx, o);
      java.util.function.Consumer<java.util.Map<String, Object>> sink = r -> {
        out.println(r);
        write(csv, r);
      };
      switch (mode) {
        case "rate" -> bench.runRate(sink);
        case "storm" -> bench.runStorm(sink);
        case "ops" -> bench.runOps(sink);
        default -> throw new IllegalArgumentException("--mode must be rate, storm or ops");
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
  }

  private static String sshPassword() {
    String p = System.getenv(BenchSshServer.PASSWORD_ENV);
    if (p == null || p.isEmpty()) {
      throw new IllegalArgumentException("set " + BenchSshServer.PASSWORD_ENV + " to the bench SSH server's password");
    }
    return p;
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
