package dev.opsbus.gateway.bridge;

import dev.opsbus.model.PermissionRule.Overflow;

/**
 * Point-to-point delivery among the local subscribers of one address: a {@code send} or request
 * that reaches this node's consumer goes to ONE subscriber, taken in turn (round robin), skipping
 * those that cannot take it now (not logged in, token expired, closing). Across nodes the bus does
 * the same one level up: each node holds one consumer per address, and a clustered send picks one
 * node in turn. So every send reaches one receiver, which may answer its {@code replyAddress}.
 */
final class PointToPoint {

  private int next;

  /** Hands the message to one subscriber; false when none of them could take it. */
  boolean deliverOne(Subscriber[] subscribers, String address, Delivery delivery, Overflow overflow) {
    int n = subscribers.length;
    for (int i = 0; i < n; i++) {
      int k = (next + i) % n;
      if (subscribers[k].deliverOne(address, delivery, overflow)) {
        next = (k + 1) % n;
        return true;
      }
    }
    return false;
  }
}
