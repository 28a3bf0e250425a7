package dev.opsbus.model.debug;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Optional timing of a terminal keystroke's hops (gateway in, bus, relay write, sshj, echo, relay
 * read, bus, gateway out), for finding where echo latency goes. Off unless the JVM runs with
 * {@code -Dopsbus.terminal.hopTiming=true}; then each hop's samples (µs) are logged as p50/p90/p99
 * every {@value #REPORT_EVERY} samples, at INFO, by the logger {@code dev.opsbus.model.debug.HopTimes}.
 * Stamps ({@link #STAMP_HEADER}) are {@link System#nanoTime()} values, so a hop across two JVMs (a
 * gateway and a relay on different nodes) is not measured: only hops within one node are. Safe from
 * any thread.
 */
public final class HopTimes {

  /** On when {@code -Dopsbus.terminal.hopTiming=true}. */
  public static final boolean ON = Boolean.getBoolean("opsbus.terminal.hopTiming");
  /** Bus header carrying the sender's {@code System.nanoTime()} (only while {@link #ON}). */
  public static final String STAMP_HEADER = "opsbus-hop-ns";
  static final int REPORT_EVERY = 500;
  /** A stamp older than this is from another JVM, or stale: not counted. */
  private static final long MAX_NANOS = 10_000_000_000L;

  private static final Logger LOG = LoggerFactory.getLogger(HopTimes.class);
  private static final Map<String, long[]> SAMPLES = new LinkedHashMap<>();
  private static final Map<String, Integer> COUNTS = new LinkedHashMap<>();

  private HopTimes() {
  }

  /** Records one hop that began at {@code startNanos} and ends now; does nothing while off. */
  public static void since(String hop, long startNanos) {
    if (!ON || startNanos == 0) {
      return;
    }
    long d = System.nanoTime() - startNanos;
    if (d < 0 || d > MAX_NANOS) {
      return;
    }
    record(hop, d / 1_000);
  }

  /** The stamp in a header value, or 0. */
  public static long stamp(String headerValue) {
    if (!ON || headerValue == null) {
      return 0;
    }
    try {
      return Long.parseLong(headerValue);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static synchronized void record(String hop, long micros) {
    long[] s = SAMPLES.computeIfAbsent(hop, h -> new long[REPORT_EVERY]);
    int n = COUNTS.getOrDefault(hop, 0);
    s[n++] = micros;
    if (n == REPORT_EVERY) {
      long[] sorted = s.clone();
      Arrays.sort(sorted);
      LOG.info("hop {}: p50 {} µs, p90 {} µs, p99 {} µs, max {} µs over {} samples", hop, sorted[REPORT_EVERY / 2],
          sorted[REPORT_EVERY * 9 / 10], sorted[REPORT_EVERY * 99 / 100], sorted[REPORT_EVERY - 1], REPORT_EVERY);
      n = 0;
    }
    COUNTS.put(hop, n);
  }
}
