package dev.opsbus.ssh.terminal;

import dev.opsbus.model.debug.HopTimes;
import dev.opsbus.model.debug.HopTimes.Stamp;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One timed keystroke on its way through the relay (see {@link HopTimes}): stamped on the session's
 * loop when it arrives, by the writer around the sshj write, by the output reader when the next
 * output is read (the echo), back on the loop, and when that output is published; the stamps go out
 * on the published chunk's {@link HopTimes#OUT_HEADER}. A session has at most one probe waiting for
 * its echo ({@link Slot}); a newer one replaces it.
 */
final class HopProbe {

  private final long[] stamps = new long[Stamp.values().length];

  private HopProbe(long gatewayIn, long relayIn) {
    stamps[Stamp.GATEWAY_IN.ordinal()] = gatewayIn;
    stamps[Stamp.RELAY_IN.ordinal()] = relayIn;
  }

  /** A probe for a keystroke whose {@link HopTimes#IN_HEADER} is {@code header}, or null when it is not timed. */
  static HopProbe of(String header) {
    long in = HopTimes.stamp(header);
    return in == 0 ? null : new HopProbe(in, System.nanoTime());
  }

  /**
   * Stamps {@code which} now. The writer, the reader and the loop stamp one after the other, each
   * handing the probe on through a volatile write or a context switch, so plain fields are enough.
   */
  void stamp(Stamp which) {
    stamps[which.ordinal()] = System.nanoTime();
  }

  String header() {
    return HopTimes.encode(stamps);
  }

  /** Where the writer leaves the probe of the keystrokes it is writing, for the reader to take with the echo. */
  static final class Slot {
    private final AtomicReference<HopProbe> waiting = new AtomicReference<>();

    void offer(HopProbe p) {
      waiting.set(p);
    }

    /** The probe waiting for an echo, now read, or null (a plain read when none waits). */
    HopProbe take() {
      return waiting.get() == null ? null : waiting.getAndSet(null);
    }
  }
}
