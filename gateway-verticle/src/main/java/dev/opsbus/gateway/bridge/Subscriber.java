package dev.opsbus.gateway.bridge;

import dev.opsbus.model.PermissionRule.Overflow;

/** Something local that watches an address through the {@link SubscriptionIndex}: a bridge client or a terminal socket. */
public interface Subscriber {

  /** A bus message for a watched address; runs on the gateway's event loop. */
  void deliver(String address, Delivery delivery, Overflow overflow);

  /**
   * A point-to-point message (a {@code send} or request) chosen for this subscriber alone: take it
   * and answer true, or answer false to let the next subscriber have it.
   */
  default boolean deliverOne(String address, Delivery delivery, Overflow overflow) {
    deliver(address, delivery, overflow);
    return true;
  }
}
