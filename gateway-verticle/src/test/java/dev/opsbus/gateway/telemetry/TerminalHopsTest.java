package dev.opsbus.gateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.gateway.telemetry.TerminalHops.Hop;
import dev.opsbus.model.debug.HopTimes;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import org.junit.jupiter.api.Test;

/**
 * A timed echo's stamps, as the relay sends them on the wire, become one sample per hop, each the
 * difference of two neighbouring stamps; a stamp the relay could not take leaves out only its hops,
 * and stamps that do not compare (another machine's clock) count nothing.
 */
class TerminalHopsTest {

  static final long US = 1_000;

  /** gateway in 0, relay in 100 µs, writer 150, written 200, read 700, loop 730, published 750; out 800, written 820. */
  static long[] stamps(long base) {
    return new long[] {base, base + 100 * US, base + 150 * US, base + 200 * US, base + 700 * US, base + 730 * US, base + 750 * US};
  }

  @Test
  void eachHopIsTheTimeBetweenItsTwoStamps() {
    TerminalHops hops = new TerminalHops("n1");
    long base = System.nanoTime();
    long[] wire = HopTimes.decode(HopTimes.encode(stamps(base)));
    hops.record(wire, base + 800 * US, base + 820 * US);

    assertThat(sumMicros(hops, Hop.BUS_IN)).isEqualTo(100);
    assertThat(sumMicros(hops, Hop.RELAY_TO_WRITER)).isEqualTo(50);
    assertThat(sumMicros(hops, Hop.SSHJ_WRITE)).isEqualTo(50);
    assertThat(sumMicros(hops, Hop.HOST_ECHO)).isEqualTo(500);
    assertThat(sumMicros(hops, Hop.READER_TO_LOOP)).isEqualTo(30);
    assertThat(sumMicros(hops, Hop.COALESCE)).isEqualTo(20);
    assertThat(sumMicros(hops, Hop.BUS_OUT)).isEqualTo(50);
    assertThat(sumMicros(hops, Hop.WEBSOCKET_WRITE)).isEqualTo(20);
    assertThat(sumMicros(hops, Hop.TOTAL)).isEqualTo(820);
    assertThat(sumMicros(hops, Hop.ADDED)).isEqualTo(320);
    for (Hop h : Hop.values()) {
      assertThat(hops.count(h)).as(h.label).isEqualTo(1);
    }
  }

  @Test
  void aMissingStampLeavesOutOnlyItsHops() {
    TerminalHops hops = new TerminalHops("n1");
    long base = System.nanoTime();
    long[] s = stamps(base);
    s[HopTimes.Stamp.WRITTEN.ordinal()] = 0; // the echo was read before the write call returned
    hops.record(s, base + 800 * US, base + 820 * US);

    assertThat(hops.count(Hop.SSHJ_WRITE)).isZero();
    assertThat(hops.count(Hop.HOST_ECHO)).isZero();
    assertThat(hops.count(Hop.ADDED)).isZero();
    assertThat(hops.count(Hop.BUS_IN)).isEqualTo(1);
    assertThat(hops.count(Hop.TOTAL)).isEqualTo(1);
  }

  @Test
  void stampsFromAnotherClockCountNothing() {
    TerminalHops hops = new TerminalHops("n1");
    long base = System.nanoTime();
    long[] s = stamps(base + 3_600_000_000_000L); // an hour ahead: another machine's monotonic clock
    hops.record(s, base, base + 10 * US);
    for (Hop h : Hop.values()) {
      assertThat(hops.count(h)).as(h.label).isZero();
    }
    assertThat(HopTimes.decode("1,2,3")).isNull();
    assertThat(HopTimes.decode("1,2,3,4,5,6,x")).isNull();
  }

  @Test
  void theHistogramIsLabelledByHopAndNode() {
    TerminalHops hops = new TerminalHops("n1");
    long base = System.nanoTime();
    hops.record(stamps(base), base + 800 * US, base + 820 * US);
    HistogramSnapshot snap = (HistogramSnapshot) hops.collect();
    assertThat(snap.getMetadata().getPrometheusName()).isEqualTo("opsbus_terminal_hop_seconds");
    assertThat(snap.getDataPoints()).hasSize(Hop.values().length);
    assertThat(snap.getDataPoints()).allMatch(p -> "n1".equals(p.getLabels().get("node")) && p.getCount() == 1);
  }

  static long sumMicros(TerminalHops hops, Hop hop) {
    HistogramSnapshot snap = (HistogramSnapshot) hops.collect();
    for (HistogramDataPointSnapshot p : snap.getDataPoints()) {
      if (hop.label.equals(p.getLabels().get("hop"))) {
        return Math.round(p.getSum() * 1e6);
      }
    }
    throw new AssertionError("no hop " + hop.label);
  }
}
