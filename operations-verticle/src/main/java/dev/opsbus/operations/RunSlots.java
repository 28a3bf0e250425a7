package dev.opsbus.operations;

import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.function.LongSupplier;

/**
 * How many operations this node runs at once, and how many more it holds. A start is admitted
 * ({@link #admit}) while fewer than {@code maxRunning + maxQueued} operations of this node are
 * admitted and not ended; past that it is refused with {@code unavailable}, before anything is
 * written. An admitted operation's command is sent to the relay once one of {@code maxRunning} slots
 * is free ({@link #submit}); until then it waits, pending, in the order the starts were accepted, and
 * takes the next free slot. Completions are bound by the hosts and the slots, never by the starts:
 * a burst of starts beyond what can run is accepted and queued.
 *
 * <p>Starts are answered first: while this node is answering starts (from {@link #answerBegan} to
 * {@link #answerEnded}, and until {@link #QUIET_MILLIS} after the last answer: the next start of a
 * burst is usually on its way), no run takes a slot, for up to {@link #STARTS_FIRST_MILLIS}; the runs
 * submitted meanwhile wait, in order, and take the free slots once the starts pause ({@link #fill},
 * called by the runner's timer). A burst of starts is then answered at the pace of the starts alone
 * (a running command costs the node several times what a start does), and its runs follow; its
 * completions come no later, as the same work is done. A node answering starts without a pause for
 * longer than that runs beside them again, so runs never starve. Event-loop confined.
 */
final class RunSlots {

  /** One command waiting for, or holding, a slot. */
  static final class Ticket {
    private final Runnable start;
    private boolean granted;
    private boolean done;

    private Ticket(Runnable start) {
      this.start = start;
    }
  }

  /**
   * The longest runs wait for starts answered without a pause. Long enough for a burst of a thousand
   * starts answered slowly at first (a cold node, a busy database) to be answered before its runs
   * come in; with 1 s, a slow first second let the runs in beside the rest of the burst, and they then
   * took the node from the answers (docs/BENCHMARKS.md, session 11's operations rounds).
   */
  static final long STARTS_FIRST_MILLIS = 5_000;
  /** Starts count as being answered until this long after the last answer. */
  static final long QUIET_MILLIS = 20;

  private final int maxRunning;
  private final int maxAdmitted;
  private final LinkedHashSet<Ticket> waiting = new LinkedHashSet<>();
  private final LongSupplier clockMillis;
  private int running;
  private int admitted;
  /** Starts being answered now. */
  private int answering;
  /** When the last start was answered. */
  private long lastAnswer = Long.MIN_VALUE / 2;
  /** Since when runs wait for answers (the first run held since the answers began), or -1. */
  private long holdingSince = -1;

  RunSlots(int maxRunning, int maxQueued) {
    this(maxRunning, maxQueued, System::currentTimeMillis);
  }

  RunSlots(int maxRunning, int maxQueued, LongSupplier clockMillis) {
    if (maxRunning <= 0 || maxQueued < 0) {
      throw new IllegalArgumentException("maxRunning must be positive and maxQueued not negative");
    }
    this.maxRunning = maxRunning;
    this.maxAdmitted = maxRunning + maxQueued;
    this.clockMillis = clockMillis;
  }

  /** A start is being answered: runs wait until it is (see the class comment). */
  void answerBegan() {
    answering++;
  }

  /** A start was answered (the waiting runs take the free slots once the starts pause: {@link #fill}). */
  void answerEnded() {
    if (answering > 0) {
      answering--;
    }
    lastAnswer = clockMillis.getAsLong();
  }

  /**
   * Whether runs wait for the starts being answered now (false once they waited long enough). Seeing
   * the starts paused also ends the current hold's window, so the next burst holds runs afresh.
   */
  boolean holding() {
    long now = clockMillis.getAsLong();
    boolean answeringNow = answering > 0 || now - lastAnswer < QUIET_MILLIS;
    if (!answeringNow) {
      holdingSince = -1;
      return false;
    }
    return holdingSince < 0 || now - holdingSince < STARTS_FIRST_MILLIS;
  }

  /** Whether runs wait for a free slot that answers hold back (the runner then calls {@link #fill} later). */
  boolean heldBack() {
    return running < maxRunning && !waiting.isEmpty() && holding();
  }

  /** Grants free slots to waiting runs unless starts are being answered: also when the wait is up. */
  void fill() {
    while (running < maxRunning && !waiting.isEmpty() && !holding()) {
      Iterator<Ticket> it = waiting.iterator();
      Ticket next = it.next();
      it.remove();
      grant(next);
    }
  }

  /** Takes an admission for a start, or false when this node holds as many as it may. */
  boolean admit() {
    if (admitted >= maxAdmitted) {
      return false;
    }
    admitted++;
    return true;
  }

  /** Gives an admission back: the start created nothing, or its operation has ended. */
  void release() {
    if (admitted > 0) {
      admitted--;
    }
  }

  int admitted() {
    return admitted;
  }

  int running() {
    return running;
  }

  int waiting() {
    return waiting.size();
  }

  /**
   * Runs {@code start} now when a slot is free and no start is being answered, else once that holds,
   * in order ({@link #granted} tells which; while {@link #heldBack}, the caller calls {@link #fill}
   * again a little later).
   */
  Ticket submit(Runnable start) {
    Ticket t = new Ticket(start);
    if (running < maxRunning && waiting.isEmpty() && !holding()) {
      grant(t);
    } else {
      if (holdingSince < 0 && holding()) {
        holdingSince = clockMillis.getAsLong();
      }
      waiting.add(t);
    }
    return t;
  }

  static boolean granted(Ticket t) {
    return t.granted;
  }

  /** The ticket's operation has ended: its slot goes to the next waiting one (a waiting ticket just leaves). */
  void done(Ticket t) {
    if (t == null || t.done) {
      return;
    }
    t.done = true;
    if (!t.granted) {
      waiting.remove(t);
      return;
    }
    running--;
    fill();
  }

  private void grant(Ticket t) {
    t.granted = true;
    running++;
    t.start.run();
  }
}
