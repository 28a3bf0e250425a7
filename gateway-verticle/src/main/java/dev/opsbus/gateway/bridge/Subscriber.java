package dev.opsbus.gateway.bridge;

import dev.opsbus.model.PermissionRule.Overflow;
import io.vertx.core.Context;

/** Something local that watches an address through the {@link SubscriptionIndex}: a bridge client or a terminal socket. */
public interface Subscriber {

  /**
   * The event loop this subscriber's socket lives on, where it is delivered, or null for the
   * index's own loop (the gateway's). The {@link SubscriptionIndex} hands each message to every
   * other loop once, and that loop delivers to its own subscribers.
   */
  default Context lane() {
    return null;
  }

  /** A bus message for a watched address; runs on the subscriber's {@link #lane()}. */
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
