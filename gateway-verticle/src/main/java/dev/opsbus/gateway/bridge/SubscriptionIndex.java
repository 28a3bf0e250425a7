package dev.opsbus.gateway.bridge;

import dev.opsbus.model.BusFailures;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.PermissionRule.Overflow;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Which local connections watch which address. Holds one bus consumer per address per node, however
 * many clients subscribe: the first subscriber registers it, the last one to leave removes it, so
 * cluster registrations grow with addresses, not with connections. Each message is encoded once and
 * the same frame handed to every subscriber. A point-to-point message (send, request) goes to one
 * subscriber only ({@link PointToPoint}). Used only from the gateway's event loop.
 *
 * <p>Lanes: a subscriber whose socket lives on another event loop names it ({@link Subscriber#lane()}).
 * Subscribers are kept per lane, and a published message is handed to each other lane once (one
 * task on that loop, carrying the one {@link Delivery}), where that loop writes to its own sockets,
 * in parallel with the gateway's loop writing to its own. Every lane gets the messages of an address
 * in the order the bus delivered them (each loop runs its tasks in order), so each connection does.
 * Subscribers on the gateway's loop are delivered inline, as before, and cost nothing more.
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
    /** The subscribers on the gateway's own loop. */
    Subscriber[] snapshot = new Subscriber[0];
    /** The subscribers on other loops, one {@link Lane} each; empty while every subscriber is on the gateway's loop. */
    Lane[] lanes = NO_LANES;
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
        split();
      }
      // encoded at most once per form (bridge JSON frame, raw bytes), whatever the number of subscribers and lanes
      Delivery d = new Delivery(address, msg);
      try {
        if (msg.isSend()) {
          // a send or request: one receiver, which may answer
          if (pointToPoint == null) {
            pointToPoint = new PointToPoint();
          }
          if (!pointToPoint.deliverOne(snapshot, address, d, overflow)) {
            tryLanes(Vertx.currentContext(), lanes, 0, d);
          }
          return;
        }
        // the other loops first, so they write while this one writes to its own sockets
        for (Lane lane : lanes) {
          d.hold();
          lane.context.runOnContext(v -> lane.deliver(address, d, overflow));
        }
        for (Subscriber c : snapshot) {
          c.deliver(address, d, overflow);
        }
      } finally {
        d.release();
      }
    }

    /** A send none of this loop's subscribers took: offered to each lane in turn, then refused. */
    void tryLanes(Context home, Lane[] offered, int i, Delivery d) {
      if (i >= offered.length) {
        BusFailures.fail(d.message(), ErrorCode.NO_HANDLER, "no client watching '" + address + "' can take a message right now");
        return;
      }
      Lane lane = offered[i];
      d.hold();
      lane.context.runOnContext(v -> {
        boolean took;
        try {
          took = lane.deliverOne(address, d, overflow);
        } finally {
          d.release();
        }
        if (!took) {
          d.hold();
          home.runOnContext(w -> {
            try {
              tryLanes(home, offered, i + 1, d);
            } finally {
              d.release();
            }
          });
        }
      });
    }

    /** Groups the subscribers by lane after a change. */
    void split() {
      dirty = false;
      List<Subscriber> own = new ArrayList<>(subscribers.size());
      Map<Context, List<Subscriber>> others = null;
      for (Subscriber s : subscribers) {
        Context lane = s.lane();
        if (lane == null) {
          own.add(s);
        } else {
          if (others == null) {
            others = new LinkedHashMap<>();
          }
          others.computeIfAbsent(lane, k -> new ArrayList<>()).add(s);
        }
      }
      snapshot = own.toArray(new Subscriber[0]);
      if (others == null) {
        lanes = NO_LANES;
        return;
      }
      Lane[] next = new Lane[others.size()];
      int k = 0;
      for (Map.Entry<Context, List<Subscriber>> e : others.entrySet()) {
        next[k++] = new Lane(e.getKey(), e.getValue().toArray(new Subscriber[0]));
      }
      lanes = next;
    }
  }

  private static final Lane[] NO_LANES = new Lane[0];

  /**
   * The subscribers of one address on one other event loop, as they were when the message was
   * handed over (immutable: a change makes a new one). Its methods run on that loop.
   */
  private static final class Lane {
    final Context context;
    final Subscriber[] subscribers;
    /** Turns among this lane's subscribers; used on the lane's loop only. */
    final PointToPoint pointToPoint = new PointToPoint();

    Lane(Context context, Subscriber[] subscribers) {
      this.context = context;
      this.subscribers = subscribers;
    }

    void deliver(String address, Delivery d, Overflow overflow) {
      try {
        for (Subscriber c : subscribers) {
          c.deliver(address, d, overflow);
        }
      } finally {
        d.release();
      }
    }

    boolean deliverOne(String address, Delivery d, Overflow overflow) {
      return pointToPoint.deliverOne(subscribers, address, d, overflow);
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
