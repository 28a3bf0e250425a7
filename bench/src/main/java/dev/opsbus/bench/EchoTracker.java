package dev.opsbus.bench;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The output side of one terminal in the echo scenario. First it waits for the setup line
 * ({@code READY}, printed after the shell has switched the pty to raw mode and before it becomes
 * {@code cat}); from then on every output byte is the echo of one keystroke, in order, so the k-th
 * byte out answers the k-th byte in. Output arrives on whatever thread the transport reads on (an
 * event loop, an sshj reader thread); the driver thread waits here on a monitor, never by sleeping.
 */
final class EchoTracker {

  static final byte[] READY = "READY".getBytes(StandardCharsets.US_ASCII);

  private final ByteArrayOutputStream setup = new ByteArrayOutputStream();
  private boolean ready;
  private final byte[] sent;
  private final long[] sentAt;
  private final long[] arrivedAt;
  private int sentCount;
  private int received;
  private int mismatches;
  private String closed;

  EchoTracker(int capacity) {
    sent = new byte[capacity];
    sentAt = new long[capacity];
    arrivedAt = new long[capacity];
  }

  /** Output bytes as they arrive, stamped when the transport handed them over. */
  synchronized void onOutput(byte[] data, long nanos) {
    int from = 0;
    if (!ready) {
      setup.write(data, 0, data.length);
      byte[] all = setup.toByteArray();
      int at = indexOf(all, READY, 0);
      int nl = at < 0 ? -1 : indexOf(all, new byte[] {'\n'}, at);
      if (nl < 0) {
        return;
      }
      ready = true;
      notifyAll();
      // what followed the READY line is already echo (normally nothing)
      int already = all.length - (nl + 1);
      data = java.util.Arrays.copyOfRange(all, nl + 1, all.length);
      from = 0;
      if (already == 0) {
        return;
      }
    }
    for (int i = from; i < data.length; i++) {
      int k = received++;
      if (k < sentCount) {
        arrivedAt[k] = nanos;
        if (data[i] != sent[k]) {
          mismatches++;
        }
      } else {
        mismatches++; // output nobody typed
      }
    }
    notifyAll();
  }

  synchronized void onClosed(String why) {
    closed = why;
    notifyAll();
  }

  /** Records keystroke k (call just before writing it). */
  synchronized int sending(byte b, long nanos) {
    int k = sentCount++;
    sent[k] = b;
    sentAt[k] = nanos;
    return k;
  }

  synchronized void awaitReady(long timeoutMs) throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (!ready) {
      check(deadline, "the READY line");
    }
  }

  /** Waits until {@code count} echo bytes have arrived. */
  synchronized void awaitEchoes(int count, long timeoutMs) throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (received < count) {
      check(deadline, "the echo of keystroke " + (received + 1) + " of " + count);
    }
  }

  private void check(long deadline, String what) throws InterruptedException, TimeoutException {
    if (closed != null) {
      throw new IllegalStateException("the terminal closed while waiting for " + what + ": " + closed);
    }
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      String seen = new String(setup.toByteArray(), StandardCharsets.UTF_8);
      throw new TimeoutException("no " + what + " in time" + (ready ? "" : "; output so far: " + seen));
    }
    wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
  }

  /** Round trip of keystroke k in nanoseconds. */
  synchronized long roundTrip(int k) {
    return arrivedAt[k] - sentAt[k];
  }

  synchronized long sentAt(int k) {
    return sentAt[k];
  }

  synchronized long arrivedAt(int k) {
    return arrivedAt[k];
  }

  synchronized int mismatches() {
    return mismatches;
  }

  static int indexOf(byte[] hay, byte[] needle, int from) {
    outer:
    for (int i = Math.max(0, from); i <= hay.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
