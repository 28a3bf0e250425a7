package dev.opsbus.gateway.bridge;

import dev.opsbus.model.BusFailures;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.PermissionRule.Overflow;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Which local connections watch which address. Holds one bus consumer per address per node, however
 * many clients subscribe: the first subscriber registers it, the last one to leave removes it, so
 * cluster registrations grow with addresses, not with connections. Each message is encoded once and
 * the same frame handed to every subscriber. A point-to-point message (send, request) goes to one
 * subscriber only ({@link PointToPoint}). Used only from the gateway's event loop.
 */
public final class SubscriptionIndex {

  private final EventBus bus;
  private final Function<String, Overflow> overflowPolicy;
  private final Map<String, Entry> entries = new HashMap<>();

  SubscriptionIndex(EventBus bus, Function<String, Overflow> overflowPolicy) {
    this.bus = bus;
    this.overflowPolicy = overflowPolicy;
  }

  private final class Entry {
    final String address;
    final Overflow overflow;
    final Set<Subscriber> subscribers = new LinkedHashSet<>();
    Subscriber[] snapshot = new Subscriber[0];
    boolean dirty;
    MessageConsumer<Object> consumer;
    /** Made on the first point-to-point message: most addresses only ever see publications. */
    PointToPoint pointToPoint;

    Entry(String address) {
      this.address = address;
      this.overflow = overflowPolicy.apply(address);
    }

    void onMessage(Message<Object> msg) {
      if (subscribers.isEmpty()) {
        BusFailures.fail(msg, ErrorCode.NO_HANDLER, "no client watches '" + address + "' on this node any more");
        return;
      }
      if (dirty) {
        snapshot = subscribers.toArray(new Subscriber[0]);
        dirty = false;
      }
      // encoded at most once per form (bridge JSON frame, raw bytes), whatever the number of subscribers
      Delivery d = new Delivery(address, msg);
      try {
        if (msg.isSend()) {
          // a send or request: one receiver, which may answer
          if (pointToPoint == null) {
            pointToPoint = new PointToPoint();
          }
          if (!pointToPoint.deliverOne(snapshot, address, d, overflow)) {
            BusFailures.fail(msg, ErrorCode.NO_HANDLER, "no client watching '" + address + "' can take a message right now");
          }
          return;
        }
        for (Subscriber c : snapshot) {
          c.deliver(address, d, overflow);
        }
      } finally {
        d.release();
      }
    }
  }

  /** Adds a subscriber; completes when the bus consumer is registered (at once when it already was). */
  public Future<Void> subscribe(String address, Subscriber conn) {
    Entry e = entries.get(address);
    if (e == null) {
      Entry created = new Entry(address);
      entries.put(address, created);
      created.consumer = bus.consumer(address, created::onMessage);
      e = created;
    }
    if (e.subscribers.add(conn)) {
      e.dirty = true;
    }
    return e.consumer.completion();
  }

  public void unsubscribe(String address, Subscriber conn) {
    Entry e = entries.get(address);
    if (e == null || !e.subscribers.remove(conn)) {
      return;
    }
    e.dirty = true;
    if (e.subscribers.isEmpty()) {
      entries.remove(address);
      e.consumer.unregister();
    }
  }

  /** Bus consumers this node holds for bridge clients: one per watched address. */
  int consumerCount() {
    return entries.size();
  }

  int consumerCount(String address) {
    return entries.containsKey(address) ? 1 : 0;
  }

  int subscriberCount(String address) {
    Entry e = entries.get(address);
    return e == null ? 0 : e.subscribers.size();
  }

  int subscriptionCount() {
    int n = 0;
    for (Entry e : entries.values()) {
      n += e.subscribers.size();
    }
    return n;
  }

  void clear() {
    for (Entry e : entries.values()) {
      e.consumer.unregister();
    }
    entries.clear();
  }
}
