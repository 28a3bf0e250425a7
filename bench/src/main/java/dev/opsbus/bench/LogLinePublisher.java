package dev.opsbus.bench;

import dev.opsbus.model.Addresses;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.locks.LockSupport;

/**
 * The log-lines scenario's source, on the opsbus bench server: a thread that produces stamped log
 * lines at a fixed rate, as the relay's tail thread reads them, and hands them to a
 * {@link BenchLogBatcher} (the relay's batching, copied), which publishes {@code log_lines} messages on
 * {@link #ADDRESS} from the event loop. Batched: the relay's settings (10 lines or 100 ms). Unbatched:
 * the same batcher with one line per message, so one bus message (and one bridge frame) per line, in
 * the same format.
 *
 * <p>Each line starts with {@code t=<scheduled time, monotonic ns> seq=<n> }, then text up to the
 * line size. Control API under {@code /bench/logs/}: {@code POST start?rate=R&duration=D&batch=true&size=S},
 * {@code GET stats}, {@code POST stop}.
 */
final class LogLinePublisher {

  static final String PREFIX = "/bench/logs/";
  static final String HOST_ID = "bench";
  static final String STREAM = "app";
  static final String ADDRESS = Addresses.LOGS_HOST.format(HOST_ID, STREAM);
  /** The text after the stamp: a typical access-log line, then padding up to the size. */
  static final String TEXT = "INFO  [http-worker-3] GET /api/hosts/web-01/metrics -> 200 in 12 ms user=vic ";
  static final int DEFAULT_SIZE = 120;

  private final Vertx vertx;
  private final Context context;
  private final long[] seq = new long[1];

  private volatile Run run;

  LogLinePublisher(Vertx vertx, Context context) {
    this.vertx = vertx;
    this.context = context;
  }

  /** One run: its batcher and the thread that feeds it. */
  private final class Run implements Runnable {
    final double rate;
    final int size;
    final boolean batched;
    final long durationNanos;
    final long t0;
    final long end;
    final BenchLogBatcher batcher;
    volatile boolean stopped;
    volatile long added;
    volatile long maxLagNanos;
    final Thread thread;

    Run(double rate, int size, boolean batched, double durationSeconds) {
      this.rate = rate;
      this.size = size;
      this.batched = batched;
      this.durationNanos = (long) (durationSeconds * 1e9);
      this.t0 = System.nanoTime() + BroadcastPublisher.START_LEAD_NANOS;
      this.end = t0 + durationNanos;
      this.batcher = new BenchLogBatcher(vertx, context, ADDRESS, HOST_ID, STREAM, () -> ++seq[0],
          batched ? BenchLogBatcher.MAX_LINES : 1);
      this.thread = new Thread(this, "bench-log-lines");
      thread.setDaemon(true);
    }

    /** Like the tail thread: every line due is added, then the thread parks until the next is due. */
    @Override
    public void run() {
      String pad = TEXT.length() + 40 >= size ? TEXT : TEXT + "x".repeat(size - 40 - TEXT.length());
      long n = 0;
      while (!stopped) {
        long now = System.nanoTime();
        long due = t0 + (long) Math.floor(n * 1e9 / rate);
        if (due >= end) {
          break;
        }
        if (due > now) {
          LockSupport.parkNanos(due - now);
          continue;
        }
        batcher.add(line(n, due, pad));
        maxLagNanos = Math.max(maxLagNanos, now - due);
        n++;
        added = n;
      }
      // what is still waiting goes out with the batcher's timer; then no more timers
      if (stopped) {
        batcher.stop();
      }
    }
  }

  /** {@code t=<scheduled ns> seq=<n> <text>}. */
  static String line(long n, long t, String text) {
    return "t=" + t + " seq=" + n + " " + text;
  }

  /** Reads the stamp of a line written by {@link #line}, or {@code Long.MIN_VALUE}. */
  static long stampOf(String line) {
    if (!line.startsWith("t=")) {
      return Long.MIN_VALUE;
    }
    int space = line.indexOf(' ', 2);
    try {
      return Long.parseLong(space < 0 ? line.substring(2) : line.substring(2, space));
    } catch (NumberFormatException e) {
      return Long.MIN_VALUE;
    }
  }

  void handle(HttpServerRequest req) {
    String path = req.path();
    try {
      if (path.equals(PREFIX + "start") && req.method() == HttpMethod.POST) {
        Run current = run;
        if (current != null && current.thread.isAlive()) {
          reply(req, 409, new JsonObject().put("error", "already_running").put("message", "a log run is in progress"));
          return;
        }
        double rate = number(req, "rate", Double.NaN);
        double duration = number(req, "duration", Double.NaN);
        int size = (int) number(req, "size", DEFAULT_SIZE);
        boolean batched = !"false".equals(req.getParam("batch"));
        if (!(rate > 0) || rate > 200_000 || !(duration > 0) || duration > 3600 || size < 40 || size > 8192) {
          throw new IllegalArgumentException("rate must be in (0, 200000] lines/s, duration in (0, 3600] s, size in [40, 8192]");
        }
        Run r = new Run(rate, size, batched, duration);
        run = r;
        r.thread.start();
        reply(req, 200, new JsonObject().put("started", true).put("rate", rate).put("size", size)
            .put("durationMs", r.durationNanos / 1e6).put("t0", r.t0).put("batched", batched)
            .put("maxLines", batched ? BenchLogBatcher.MAX_LINES : 1).put("maxWaitMs", BenchLogBatcher.MAX_WAIT_MS)
            .put("address", ADDRESS));
      } else if (path.equals(PREFIX + "stop") && req.method() == HttpMethod.POST) {
        stop();
        reply(req, 200, new JsonObject().put("stopped", true));
      } else if (path.equals(PREFIX + "stats") && req.method() == HttpMethod.GET) {
        Run r = run;
        JsonObject stats = new JsonObject().put("pid", ProcStats.selfPid()).put("address", ADDRESS);
        if (r != null) {
          stats.put("running", r.thread.isAlive()).put("rate", r.rate).put("size", r.size).put("batched", r.batched)
              .put("t0", r.t0).put("durationMs", r.durationNanos / 1e6).put("linesAdded", r.added)
              .put("linesPublished", r.batcher.linesPublished()).put("messages", r.batcher.messages())
              .put("linesDropped", r.batcher.linesDropped()).put("maxLagMs", r.maxLagNanos / 1e6);
        } else {
          stats.put("running", false);
        }
        reply(req, 200, stats);
      } else {
        reply(req, 404, new JsonObject().put("error", "not_found").put("message", "no bench endpoint " + req.method() + " " + path));
      }
    } catch (IllegalArgumentException e) {
      reply(req, 400, new JsonObject().put("error", "invalid_argument").put("message", e.getMessage()));
    }
  }

  /** Stops the run in progress, if any (its thread ends at its next line); does not wait. */
  void stop() {
    Run r = run;
    if (r != null) {
      r.stopped = true;
      LockSupport.unpark(r.thread);
      r.batcher.stop();
    }
  }

  private static double number(HttpServerRequest req, String name, double defaultValue) {
    String v = req.getParam(name);
    if (v == null) {
      if (Double.isNaN(defaultValue)) {
        throw new IllegalArgumentException("query parameter '" + name + "' is required");
      }
      return defaultValue;
    }
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("query parameter '" + name + "' must be a number");
    }
  }

  private static void reply(HttpServerRequest req, int status, JsonObject body) {
    req.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
  }
}
