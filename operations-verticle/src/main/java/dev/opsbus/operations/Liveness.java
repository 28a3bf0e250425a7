package dev.opsbus.operations;

import dev.opsbus.model.event.Operation;
import java.time.Duration;
import java.util.Set;

/**
 * Tells a dead node from a database outage, without a clock or a database of its own (callers pass
 * the time and what they saw), so its table is a unit test:
 *
 * <ul>
 *   <li>A node that is a live member of the cluster is never declared lost, however old its
 *       heartbeat in the database: it is alive, and it sweeps its own operations.</li>
 *   <li>After this node's own heartbeat failed (the database was away), nobody is declared lost
 *       until every node has had a whole {@code nodeLostAfter} plus one beat to write its heartbeat
 *       again: a grace period, since everyone's {@code last_seen} is old for the same reason.</li>
 *   <li>An active operation of this node with no run alive here (nothing will ever end it) is
 *       ended as {@code run_lost}.</li>
 * </ul>
 */
final class Liveness {

  enum Verdict {
    /** Not ours to end: it has a run, or its node is alive, or we are in the grace period. */
    KEEP,
    /** Its node is gone: fail it {@code node_lost}. */
    NODE_LOST,
    /** It is ours but no run of it is alive here: fail it {@code run_lost}. */
    RUN_LOST
  }

  private final String self;
  private final long graceMillis;
  private boolean lastBeatFailed;
  private long graceUntil = Long.MIN_VALUE;

  Liveness(String self, Duration heartbeat, Duration nodeLostAfter) {
    this.self = self;
    this.graceMillis = nodeLostAfter.plus(heartbeat).toMillis();
  }

  /** Records the outcome of this node's heartbeat at {@code now}; the first success after a failure opens the grace. */
  void beat(boolean written, long now) {
    if (!written) {
      lastBeatFailed = true;
      graceUntil = Long.MAX_VALUE;
    } else if (lastBeatFailed) {
      lastBeatFailed = false;
      graceUntil = now + graceMillis;
    }
  }

  /** True while other nodes may still be catching up on their heartbeats after a database outage. */
  boolean inGrace(long now) {
    return now < graceUntil;
  }

  /** When the grace ends (for logs); meaningful only while {@link #inGrace}. */
  long graceUntil() {
    return graceUntil;
  }

  /**
   * An active operation of another node whose heartbeat is older than {@code nodeLostAfter}.
   *
   * @param members the opsbus node ids of the cluster's live members, or null when this node is not clustered
   */
  Verdict staleOwner(Operation op, Set<String> members, long now) {
    if (self.equals(op.nodeId()) || inGrace(now)) {
      return Verdict.KEEP;
    }
    if (members != null && members.contains(op.nodeId())) {
      return Verdict.KEEP;
    }
    return Verdict.NODE_LOST;
  }

  /** An active operation of this node that has been quiet for a while. */
  Verdict own(Operation op, boolean runsHere) {
    if (!self.equals(op.nodeId()) || runsHere) {
      return Verdict.KEEP;
    }
    return Verdict.RUN_LOST;
  }
}
