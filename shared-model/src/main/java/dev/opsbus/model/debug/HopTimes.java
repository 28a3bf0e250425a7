package dev.opsbus.model.debug;

/**
 * The wire side of terminal echo hop timing: which keystrokes carry a stamp, the headers that carry
 * the stamps, and their encoding. A sampled keystroke leaves the gateway with its arrival time in
 * {@link #IN_HEADER}; the relay stamps its own hops (bus in, writer start, sshj write returned, echo
 * read, back on the loop, published) and sends them, with the gateway's stamp, on the output chunk
 * that carries the echo ({@link #OUT_HEADER}); the gateway adds its own and records the durations
 * (gateway {@code TerminalHops}, {@code opsbus_terminal_hop_seconds} on {@code /metrics}).
 *
 * <p>Stamps are {@link System#nanoTime()} values (CLOCK_MONOTONIC): comparable between JVMs on one
 * machine, not between machines, so across nodes on different machines only the hops within one
 * JVM mean anything (an out-of-range difference is dropped).
 *
 * <p>Every {@link #SAMPLE_EVERY}th keystroke frame of a socket is stamped (system property
 * {@code opsbus.terminal.hopSampleEvery}, default {@value #DEFAULT_SAMPLE_EVERY}; 0 turns timing
 * off). {@code -Dopsbus.terminal.hopTiming=true} stamps every keystroke and logs each hop's
 * p50/p90/p99 every few hundred samples (for the bench).
 */
public final class HopTimes {

  /** Stamp every keystroke and log the percentiles: {@code -Dopsbus.terminal.hopTiming=true}. */
  public static final boolean LOG = Boolean.getBoolean("opsbus.terminal.hopTiming");
  static final int DEFAULT_SAMPLE_EVERY = 16;
  /** Every how many keystroke frames one is timed; 0: none. */
  public static final int SAMPLE_EVERY = LOG ? 1 : Math.max(0, Integer.getInteger("opsbus.terminal.hopSampleEvery", DEFAULT_SAMPLE_EVERY));
  /** On a keystroke: the gateway's {@code nanoTime} when its frame arrived. */
  public static final String IN_HEADER = "opsbus-hop-in";
  /** On an output chunk: the stamps of {@link Stamp}, in order, comma-separated. */
  public static final String OUT_HEADER = "opsbus-hops";

  /** The relay's stamps of one timed keystroke, in the order of {@link #OUT_HEADER}. */
  public enum Stamp {
    GATEWAY_IN, RELAY_IN, WRITE_START, WRITTEN, READ, RELAY_LOOP, PUBLISHED
  }

  private HopTimes() {
  }

  /** The stamp in a header value, or 0 when there is none or it is not a number. */
  public static long stamp(String headerValue) {
    if (headerValue == null) {
      return 0;
    }
    try {
      return Long.parseLong(headerValue);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** {@link #OUT_HEADER}'s value for these stamps (indexed by {@link Stamp#ordinal()}; 0: not taken). */
  public static String encode(long[] stamps) {
    StringBuilder b = new StringBuilder(stamps.length * 16);
    for (int i = 0; i < stamps.length; i++) {
      if (i > 0) {
        b.append(',');
      }
      b.append(stamps[i]);
    }
    return b.toString();
  }

  /** The stamps of an {@link #OUT_HEADER} value, or null when it is missing or malformed. */
  public static long[] decode(String headerValue) {
    if (headerValue == null) {
      return null;
    }
    String[] parts = headerValue.split(",", -1);
    if (parts.length != Stamp.values().length) {
      return null;
    }
    long[] stamps = new long[parts.length];
    try {
      for (int i = 0; i < parts.length; i++) {
        stamps[i] = Long.parseLong(parts[i]);
      }
    } catch (NumberFormatException e) {
      return null;
    }
    return stamps;
  }
}
