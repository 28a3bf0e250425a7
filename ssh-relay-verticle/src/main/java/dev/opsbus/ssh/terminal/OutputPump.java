package dev.opsbus.ssh.terminal;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.debug.HopTimes;
import dev.opsbus.model.debug.HopTimes.Stamp;
import dev.opsbus.model.wire.TerminalControl;
import dev.opsbus.ssh.RelayThreads;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A terminal's output, from the shell to {@code ssh.session.<sid>.out}: a relay thread reads the
 * shell, the event loop coalesces what it read and publishes it with its byte offset ({@code off}
 * header), keeping the last of it as scrollback.
 *
 * <p>Output goes out as soon as the event loop has it, up to {@value #IMMEDIATE_PER_WINDOW} chunks
 * per {@value #FLUSH_DELAY_MS} ms window: an echo, a prompt, a program that prints now and then never
 * waits. Past that budget output is flowing, and what follows is coalesced until the window ends
 * (or {@value #FLUSH_BYTES} bytes wait), so a flood is a message per few ms, not one per read.
 * At most {@value #MAX_OUTPUT_IN_FLIGHT} bytes may wait for the event loop, after which the reader
 * stops reading and SSH flow control holds the host back. The same happens while any reader holds
 * the output ({@link #hold}): a browser that reads slowly paces the shell like a slow line would,
 * instead of piling output up in memory; a hold lapses after {@value #HOLD_LEASE_MS} ms unless renewed.
 */
final class OutputPump {

  /** What the pump tells its session, always on the session's context. */
  interface Sink {
    /** A chunk went out (for the recording). */
    void published(byte[] bytes);

    /** The shell wrote something: the session is not idle. */
    void activity();

    /** The shell's output ended: it exited or the connection dropped. */
    void ended(String why);
  }

  static final int FLUSH_BYTES = 16 * 1024;
  static final long FLUSH_DELAY_MS = 5;
  /**
   * Chunks published at once within one {@value #FLUSH_DELAY_MS} ms window; later ones in the window
   * wait for its end. A person typing (an echo per keystroke) stays far below it.
   */
  static final int IMMEDIATE_PER_WINDOW = 8;
  private static final long WINDOW_NANOS = FLUSH_DELAY_MS * 1_000_000L;
  static final int MAX_OUTPUT_IN_FLIGHT = 1024 * 1024;
  /** How long a flow hold lasts unless its holder renews it (a gateway that died holds nothing for long). */
  static final long HOLD_LEASE_MS = 15_000;

  private static final Logger LOG = LoggerFactory.getLogger(OutputPump.class);
  private static final long HOLD_SWEEP_MS = 1_000;

  private final Vertx vertx;
  private final Context context;
  private final RelayThreads threads;
  private final String sid;
  private final String hostId;
  private final String address;
  private final Scrollback scrollback;
  private final Sink sink;
  private final Semaphore outputInFlight = new Semaphore(MAX_OUTPUT_IN_FLIGHT);
  private final HopProbe.Slot probes;

  // event loop only
  private Buffer pending = Buffer.buffer();
  private long flushTimer = -1;
  private long windowStart = System.nanoTime() - 2 * WINDOW_NANOS;
  private int immediateInWindow;
  /** The timed keystroke whose echo is in {@link #pending}, if any. */
  private HopProbe pendingProbe;
  private long offset;
  private boolean stopped;
  /** Flow holds by holder (one per terminal socket that fell behind), to the nanoTime they lapse. */
  private final Map<String, Long> holds = new HashMap<>();
  private long holdSweep = -1;

  /** The reader waits on this while {@link #held}. */
  private final Object gate = new Object();
  private boolean held;

  /** @param probes where a timed keystroke waits for its echo: the next output read carries its stamps */
  OutputPump(Vertx vertx, Context context, RelayThreads threads, String sid, String hostId, int scrollbackBytes, Sink sink,
      HopProbe.Slot probes) {
    this.probes = probes;
    this.vertx = vertx;
    this.context = context;
    this.threads = threads;
    this.sid = sid;
    this.hostId = hostId;
    this.address = Addresses.SSH_SESSION_OUT.format(sid);
    this.scrollback = new Scrollback(scrollbackBytes);
    this.sink = sink;
  }

  /**
   * Starts reading {@code shell} on a relay thread.
   *
   * @throws dev.opsbus.model.OpsbusException {@code unavailable} when the relay has no thread free
   */
  void start(InputStream shell) {
    threads.start(RelayThreads.Kind.TERMINAL, () -> readLoop(shell));
  }

  /** The offset of the next byte to be published; every byte before it is in a published chunk. */
  long offset() {
    return offset;
  }

  /** The last published output, up to the scrollback size, ending at {@link #offset()}. */
  byte[] scrollback() {
    return scrollback.snapshot();
  }

  /** Publishes what waits, cancels the timers and lets go of every hold; output read later is dropped. */
  void stop() {
    flush();
    stopped = true;
    cancelTimer(flushTimer);
    cancelTimer(holdSweep);
    flushTimer = holdSweep = -1;
    holds.clear();
    setHeld(false);
  }

  // ---------------------------------------------------------------- reader thread

  private void readLoop(InputStream in) {
    byte[] buf = new byte[FLUSH_BYTES];
    String end;
    try {
      while (true) {
        if (!awaitUnheld()) {
          end = "the terminal's reader was interrupted";
          break;
        }
        int n = in.read(buf);
        if (n < 0) {
          end = "the shell exited";
          break;
        }
        if (n == 0) {
          continue;
        }
        byte[] chunk = Arrays.copyOf(buf, n);
        outputInFlight.acquireUninterruptibly(n);
        HopProbe probe = probes.take();
        if (probe != null) {
          probe.stamp(Stamp.READ);
          context.runOnContext(v -> {
            probe.stamp(Stamp.RELAY_LOOP);
            onOutput(chunk, probe);
          });
          continue;
        }
        context.runOnContext(v -> onOutput(chunk, null));
      }
    } catch (IOException e) {
      end = "the connection to host '" + hostId + "' was lost: " + e.getMessage();
    }
    String why = end;
    context.runOnContext(v -> sink.ended(why));
  }

  /** Returns once no hold is in force (false if interrupted). */
  private boolean awaitUnheld() {
    synchronized (gate) {
      while (held) {
        try {
          gate.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
    }
    return true;
  }

  // ---------------------------------------------------------------- event loop

  private void onOutput(byte[] chunk, HopProbe probe) {
    if (stopped) {
      outputInFlight.release(chunk.length);
      return;
    }
    pending.appendBytes(chunk);
    if (probe != null) {
      pendingProbe = probe;
    }
    publishOrWait();
    // after the publish: the session's bookkeeping (idle status) is not on the echo's path
    sink.activity();
  }

  private void publishOrWait() {
    if (pending.length() >= FLUSH_BYTES) {
      flush();
      return;
    }
    if (flushTimer >= 0) {
      // the window's budget is spent: this joins what waits for its end
      return;
    }
    long now = System.nanoTime();
    if (now - windowStart >= WINDOW_NANOS) {
      windowStart = now;
      immediateInWindow = 0;
    }
    if (immediateInWindow < IMMEDIATE_PER_WINDOW) {
      // an echo, a prompt, occasional output: no reason to wait
      immediateInWindow++;
      flush();
      return;
    }
    long waitMs = Math.max(1, (windowStart + WINDOW_NANOS - now + 999_999) / 1_000_000);
    flushTimer = vertx.setTimer(waitMs, t -> {
      flushTimer = -1;
      flush();
    });
  }

  private void flush() {
    if (flushTimer >= 0) {
      vertx.cancelTimer(flushTimer);
      flushTimer = -1;
    }
    if (pending.length() == 0) {
      return;
    }
    Buffer chunk = pending;
    pending = Buffer.buffer();
    int length = chunk.length();
    long off = offset;
    offset += length;
    DeliveryOptions opts = new DeliveryOptions().addHeader(TerminalControl.OFFSET_HEADER, Long.toString(off));
    if (pendingProbe != null) {
      pendingProbe.stamp(Stamp.PUBLISHED);
      opts.addHeader(HopTimes.OUT_HEADER, pendingProbe.header());
      pendingProbe = null;
    }
    vertx.eventBus().publish(address, chunk, opts);
    // the scrollback and the recording after the publish, in the same turn of the loop: an attach
    // (served on this loop too) still finds the scrollback ending at the offset
    byte[] bytes = chunk.getBytes();
    scrollback.append(bytes);
    sink.published(bytes);
    outputInFlight.release(length);
  }

  /**
   * A reader's socket fell behind ({@code on}) or caught up: the shell is not read while any hold
   * is in force. A hold lapses after {@value #HOLD_LEASE_MS} ms unless renewed.
   */
  void hold(String holder, boolean on) {
    if (stopped) {
      return;
    }
    if (on) {
      holds.put(holder, System.nanoTime() + HOLD_LEASE_MS * 1_000_000L);
      if (holdSweep < 0) {
        holdSweep = vertx.setPeriodic(HOLD_SWEEP_MS, t -> sweepHolds());
      }
    } else {
      holds.remove(holder);
    }
    setHeld(!holds.isEmpty());
  }

  private void sweepHolds() {
    long now = System.nanoTime();
    holds.values().removeIf(lapse -> now - lapse >= 0);
    if (holds.isEmpty()) {
      cancelTimer(holdSweep);
      holdSweep = -1;
    }
    setHeld(!holds.isEmpty());
  }

  private void setHeld(boolean on) {
    synchronized (gate) {
      if (held != on) {
        held = on;
        LOG.debug("terminal {}: output {}", sid, on ? "held by a slow reader" : "released");
        gate.notifyAll();
      }
    }
  }

  private void cancelTimer(long id) {
    if (id >= 0) {
      vertx.cancelTimer(id);
    }
  }
}
