package dev.opsbus.operations;

import java.util.Iterator;
import java.util.LinkedHashSet;

/**
 * How many operations this node runs at once, and how many more it holds. A start is admitted
 * ({@link #admit}) while fewer than {@code maxRunning + maxQueued} operations of this node are
 * admitted and not ended; past that it is refused with {@code unavailable}, before anything is
 * written. An admitted operation's command is sent to the relay once one of {@code maxRunning} slots
 * is free ({@link #submit}); until then it waits, pending, in the order the starts were accepted, and
 * takes the next free slot. Completions are bound by the hosts and the slots, never by the starts:
 * a burst of starts beyond what can run is accepted and queued. Event-loop confined.
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

  private final int maxRunning;
  private final int maxAdmitted;
  private final LinkedHashSet<Ticket> waiting = new LinkedHashSet<>();
  private int running;
  private int admitted;

  RunSlots(int maxRunning, int maxQueued) {
    if (maxRunning <= 0 || maxQueued < 0) {
      throw new IllegalArgumentException("maxRunning must be positive and maxQueued not negative");
    }
    this.maxRunning = maxRunning;
    this.maxAdmitted = maxRunning + maxQueued;
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

  /** Runs {@code start} now when a slot is free, else once one is, in order. */
  Ticket submit(Runnable start) {
    Ticket t = new Ticket(start);
    if (running < maxRunning && waiting.isEmpty()) {
      grant(t);
    } else {
      waiting.add(t);
    }
    return t;
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
    while (running < maxRunning && !waiting.isEmpty()) {
      Iterator<Ticket> it = waiting.iterator();
      Ticket next = it.next();
      it.remove();
      grant(next);
    }
  }

  private void grant(Ticket t) {
    t.granted = true;
    running++;
    t.start.run();
  }
}
