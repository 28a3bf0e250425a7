package dev.opsbus.gateway.bridge;

import dev.opsbus.model.PermissionRule.Overflow;
import java.util.ArrayDeque;

/**
 * Frames waiting for a socket that does not keep up, in order, at most {@code bound} of them. An
 * address whose overflow policy is {@link Overflow#LATEST} keeps only its newest frame waiting (a
 * gauge's old value is worth nothing); past the bound the socket is too slow, and its connection
 * decides what that costs it. Event-loop confined.
 */
final class OutboundQueue {

  /** @param arrivedNanos when its bus message reached the gateway, or 0 (for the delivery latency) */
  private record Pending(String address, String frame, long arrivedNanos) {
  }

  private final ArrayDeque<Pending> frames = new ArrayDeque<>();
  private final int bound;

  OutboundQueue(int bound) {
    this.bound = bound;
  }

  /** Queues a frame; false once more than {@code bound} frames wait (the frame is queued anyway). */
  boolean offer(String address, String frame, Overflow overflow) {
    return offer(address, frame, overflow, 0);
  }

  /** As {@link #offer(String, String, Overflow)}, remembering when the frame's bus message arrived. */
  boolean offer(String address, String frame, Overflow overflow, long arrivedNanos) {
    if (overflow == Overflow.LATEST) {
      frames.removeIf(p -> p.address().equals(address));
    }
    frames.add(new Pending(address, frame, arrivedNanos));
    return frames.size() <= bound;
  }

  /** The oldest waiting frame, or null. */
  String poll() {
    Pending p = frames.poll();
    return p == null ? null : p.frame();
  }

  /** When the bus message of the frame {@link #poll()} returns next arrived, or 0. */
  long headArrivedNanos() {
    Pending p = frames.peek();
    return p == null ? 0 : p.arrivedNanos();
  }

  boolean isEmpty() {
    return frames.isEmpty();
  }

  int size() {
    return frames.size();
  }
}
