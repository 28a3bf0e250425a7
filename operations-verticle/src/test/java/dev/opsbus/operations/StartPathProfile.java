package dev.opsbus.operations;

import static dev.opsbus.operations.OpsHarness.ADMIN;
import static dev.opsbus.operations.OpsHarness.request;
import static dev.opsbus.operations.OpsHarness.result;
import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.wire.ExecAccepted;
import dev.opsbus.model.wire.ExecEvent;
import dev.opsbus.model.wire.ExecOutcome;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The start path measured on its own (docs/BENCHMARKS.md, "Start path profile"): one operations
 * verticle on the embedded database, the gateway's host service answering host lookups, {@code H}
 * distinct hosts, and a stand-in relay on this node's {@code ssh.exec} that answers at once and
 * streams what a real quick command streams (three steps, one output line, exit 0): so each
 * operation makes the changes and activity rows of a real one, and no SSH is involved.
 *
 * <p>Fires {@code H} {@code ops.start} requests per round, at most {@code C} in flight, and reports
 * accepted starts/s (first request to last answer), completions/s, this JVM's CPU per start (the
 * database's CPU is not in it) and the database's transactions and rows per operation
 * ({@code pg_stat_database}). Off by default; run with
 * {@code mvn -o -q -B -pl operations-verticle -am test -Dtest=StartPathProfile -Dsurefire.failIfNoSpecifiedTests=false
 * -Dopsbus.perf=true [-Dperf.hosts=1000 -Dperf.inFlight=64 -Dperf.rounds=3]}, adding
 * {@code -Dhazelcast.jvm.flags="... -XX:StartFlightRecording=filename=/tmp/start.jfr"} for a profile.
 */
@EnabledIfSystemProperty(named = "opsbus.perf", matches = "true")
class StartPathProfile {

  private static final String NODE = "node-perf";

  @Test
  void startsAcrossDistinctHosts() throws Exception {
    int hosts = Integer.getInteger("perf.hosts", 1000);
    int inFlight = Integer.getInteger("perf.inFlight", 64);
    int rounds = Integer.getInteger("perf.rounds", 3);
    TestDatabase.reset();
    Vertx vertx = Vertx.vertx();
    try {
      OpsHarness.registerDemoHost(vertx);
      Pool db = PgBuilder.pool().with(new PoolOptions().setMaxSize(1)).connectingTo(TestDatabase.connectOptions()).using(vertx).build();
      result(db.preparedQuery("INSERT INTO hosts (id, name, address, port, username, auth_type, secret_encrypted, host_key_fingerprint) "
              + "SELECT 'perf-' || i, 'perf-' || i, address, port, username, auth_type, secret_encrypted, host_key_fingerprint "
              + "FROM hosts, generate_series(0, $1 - 1) i WHERE id = 'demo'").execute(Tuple.of(hosts)));
      fakeRelay(vertx);
      OperationsConfig config = OpsHarness.config(NODE, List.of(OpsHarness.command("perf_true", "true")));
      OpsHarness.deployOperations(vertx, config);
      AtomicInteger ended = new AtomicInteger();
      vertx.eventBus().<JsonObject>consumer(Addresses.OPS_UPDATES_ALL, m -> {
        String s = m.body().getString("status");
        if (!"pending".equals(s) && !"in_progress".equals(s)) {
          ended.incrementAndGet();
        }
      });
      var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
      long postmaster = postmaster(db);
      StringBuilder report = new StringBuilder();
      report.append(String.format("hosts %d, in flight %d, load average at start %s%n", hosts, inFlight, loadAverage()));
      for (int round = 1; round <= rounds; round++) {
        ended.set(0);
        long[] before = dbStats(db);
        long cpu0 = os.getProcessCpuTime();
        long dbCpu0 = cpuMs(postmaster);
        long t0 = System.nanoTime();
        int[] answers = fire(vertx, hosts, inFlight);
        long tAnswered = System.nanoTime();
        long cpuAnswered = os.getProcessCpuTime();
        long dbCpuAnswered = cpuMs(postmaster);
        OpsHarness.until("every operation ended", java.time.Duration.ofMinutes(5), () -> ended.get() >= answers[0]);
        long tEnded = System.nanoTime();
        long cpuEnded = os.getProcessCpuTime();
        long dbCpuEnded = cpuMs(postmaster);
        // the activity rows land after the last change; PostgreSQL's statistics of an idle backend up to 10 s later
        long started = answers[0];
        try {
          OpsHarness.until("activity rows written", java.time.Duration.ofSeconds(20), () -> dbStats(db)[2] - before[2] >= 2 * started);
        } catch (AssertionError e) {
          report.append("  (activity rows missing after 20 s)\n");
        }
        Thread.sleep(11_000);
        long[] after = dbStats(db);
        double answerS = (tAnswered - t0) / 1e9;
        double endS = (tEnded - t0) / 1e9;
        report.append(String.format("round %d: started %d, other %d, accepted/s %.1f, completed/s %.1f, JVM CPU ms per start while "
                + "answering %.2f, JVM CPU ms per operation in all %.2f, db commits per operation %.2f, rows inserted per operation %.2f, "
                + "activity rows %d, db CPU ms per start while answering %.2f, db CPU ms per operation in all %.2f, load %s%n",
            round, answers[0], answers[1], answers[0] / answerS, answers[0] / endS, (cpuAnswered - cpu0) / 1e6 / Math.max(1, answers[0]),
            (cpuEnded - cpu0) / 1e6 / Math.max(1, answers[0]), (after[0] - before[0]) / (double) Math.max(1, answers[0]),
            (after[1] - before[1]) / (double) Math.max(1, answers[0]), after[2] - before[2],
            (dbCpuAnswered - dbCpu0) / (double) Math.max(1, answers[0]), (dbCpuEnded - dbCpu0) / (double) Math.max(1, answers[0]),
            loadAverage()));
      }
      System.out.println("START PATH PROFILE\n" + report);
      Files.writeString(Path.of(System.getProperty("perf.out", "target/start-path-profile.txt")), report);
      result(db.close());
    } finally {
      result(vertx.close());
    }
  }

  /** Sends one start per host, at most {@code inFlight} at once; answers [started, other]. */
  private static int[] fire(Vertx vertx, int hosts, int inFlight) {
    Promise<int[]> done = Promise.promise();
    int[] counts = new int[2];
    int[] next = {0};
    int[] answered = {0};
    Set<String> ids = new HashSet<>();
    vertx.runOnContext(v -> {
      Runnable[] send = new Runnable[1];
      send[0] = () -> {
        int i = next[0]++;
        request(vertx, Addresses.OPS_START, new JsonObject().put("hostId", "perf-" + i).put("type", "perf_true"), ADMIN)
            .onComplete(ar -> {
              if (ar.succeeded() && "started".equals(ar.result().getString("status")) && ids.add(ar.result().getString("operationId"))) {
                counts[0]++;
              } else {
                counts[1]++;
              }
              if (++answered[0] == hosts) {
                done.complete(counts);
              } else if (next[0] < hosts) {
                send[0].run();
              }
            });
      };
      for (int k = 0; k < Math.min(inFlight, hosts); k++) {
        send[0].run();
      }
    });
    int[] out = result(done.future());
    assertThat(out[0] + out[1]).isEqualTo(hosts);
    return out;
  }

  /** This node's relay, answering at once and streaming a quick command's events. */
  private static void fakeRelay(Vertx vertx) {
    vertx.eventBus().<JsonObject>consumer(Addresses.NODE_SSH_EXEC.format(NODE), m -> {
      String execId = m.body().getString("execId");
      m.reply(new ExecAccepted(execId, ExecAccepted.STARTED).toJson());
      String address = Addresses.SSH_EXEC_STREAM.format(execId);
      vertx.runOnContext(x -> {
        vertx.eventBus().publish(address, ExecEvent.Step.of(execId, 1, "connecting").toJson());
        vertx.eventBus().publish(address, ExecEvent.Step.of(execId, 2, "authenticating").toJson());
        vertx.eventBus().publish(address, ExecEvent.Step.of(execId, 3, "running").toJson());
        vertx.eventBus().publish(address, ExecEvent.Output.of(execId, 4, ExecEvent.Output.STDOUT, "ok").toJson());
        vertx.eventBus().publish(address, ExecEvent.Exit.of(execId, 5, 0, ExecOutcome.COMPLETED, null, null).toJson());
      });
    });
  }

  /** [commits, rows inserted, activity rows] of the database so far. */
  private static long[] dbStats(Pool db) {
    Row r = result(db.query("SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()), "
        + "(SELECT COALESCE(sum(n_tup_ins), 0)::bigint FROM pg_stat_user_tables), (SELECT count(*) FROM activity)").execute())
        .iterator().next();
    return new long[] {r.getLong(0), r.getLong(1), r.getLong(2)};
  }

  /** The embedded server's postmaster: the parent of a backend. */
  private static long postmaster(Pool db) throws Exception {
    long backend = result(db.query("SELECT pg_backend_pid()").execute()).iterator().next().getInteger(0);
    return Long.parseLong(stat(backend)[1]);
  }

  /** Fields of /proc/PID/stat after the command name: [state, ppid, ...]. */
  private static String[] stat(long pid) throws Exception {
    String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
    return s.substring(s.lastIndexOf(')') + 2).split(" ");
  }

  /** CPU time (ms) of the postmaster, its live children and the children it reaped. */
  private static long cpuMs(long postmaster) throws Exception {
    String[] pm = stat(postmaster);
    // utime, stime, cutime, cstime: fields 14-17 of stat, 11-14 here
    long ticks = Long.parseLong(pm[11]) + Long.parseLong(pm[12]) + Long.parseLong(pm[13]) + Long.parseLong(pm[14]);
    try (var dirs = Files.list(Path.of("/proc"))) {
      for (Path d : (Iterable<Path>) dirs::iterator) {
        String name = d.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        try {
          String[] f = stat(Long.parseLong(name));
          if (Long.parseLong(f[1]) == postmaster) {
            ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
          }
        } catch (Exception gone) {
          // exited meanwhile: counted in the postmaster's reaped children
        }
      }
    }
    return ticks * 10;
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim().split(" ", 4)[0];
    } catch (Exception e) {
      return "?";
    }
  }

}
