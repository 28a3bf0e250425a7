package dev.opsbus.gateway.bridge;

import dev.opsbus.gateway.loops.Loops;
import dev.opsbus.model.BusFailures;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.PermissionRule.Overflow;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
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
 * subscriber only ({@link PointToPoint}).
 *
 * <p>Threads: subscribers come and go from every accept loop, so who watches what is kept under
 * this index's lock; the bus consumers belong to the gateway's own loop (the index's home: they run
 * there), are made and removed at once under the lock whichever loop asks ({@link #onHome}), and a
 * message is handed out outside the lock, from the grouping made under it.
 *
 * <p>Lanes: a subscriber whose socket lives on another event loop names it ({@link Subscriber#lane()}).
 * Subscribers are kept per lane, and a published message is handed to each other lane once (one
 * task on that loop, carrying the one {@link Delivery}), where that loop writes to its own sockets,
 * in parallel with the gateway's loop writing to its own. Point-to-point messages take turns over
 * every subscriber of the node, whichever loop ({@link PointToPoint}). Every lane gets the messages of an address
 * in the order the bus delivered them (each loop runs its tasks in order), so each connection does.
 * Subscribers on the gateway's loop are delivered inline, as before, and cost nothing more.
 */
public final class SubscriptionIndex {

  private final EventBus bus;
  private final Function<String, Overflow> overflowPolicy;
  private final Map<String, Entry> entries = new HashMap<>();
  /** The loop the bus consumers run on; null: whatever loop subscribes (one-loop use, tests). */
  private final Context home;

  SubscriptionIndex(EventBus bus, Function<String, Overflow> overflowPolicy) {
    this(bus, overflowPolicy, null);
  }

  SubscriptionIndex(EventBus bus, Function<String, Overflow> overflowPolicy, Context home) {
    this.bus = bus;
    this.overflowPolicy = overflowPolicy;
    this.home = home;
  }

  private final class Entry {
    final String address;
    final Overflow overflow;
    final Set<Subscriber> subscribers = new LinkedHashSet<>();
    /** The subscribers on the gateway's own loop. */
    Subscriber[] snapshot = new Subscriber[0];
    /** Every subscriber, in the order they came: the turns of point-to-point messages. */
    Subscriber[] all = new Subscriber[0];
    /** The subscribers on other loops, one {@link Lane} each; empty while every subscriber is on the gateway's loop. */
    Lane[] lanes = NO_LANES;
    boolean dirty;
    MessageConsumer<Object> consumer;
    /** Completes when the consumer is registered (its completion runs on the home loop). */
    final Promise<Void> registered = Promise.promise();
    /** Made on the first point-to-point message: most addresses only ever see publications. */
    PointToPoint pointToPoint;

    Entry(String address) {
      this.address = address;
      this.overflow = overflowPolicy.apply(address);
    }

    void onMessage(Message<Object> msg) {
      Subscriber[] snapshot;
      Subscriber[] all;
      Lane[] lanes;
      synchronized (SubscriptionIndex.this) {
        if (subscribers.isEmpty()) {
          snapshot = null;
          all = null;
          lanes = null;
        } else {
          if (dirty) {
            split();
          }
          snapshot = this.snapshot;
          all = this.all;
          lanes = this.lanes;
        }
      }
      if (snapshot == null) {
        BusFailures.fail(msg, ErrorCode.NO_HANDLER, "no client watches '" + address + "' on this node any more");
        return;
      }
      // encoded at most once per form (bridge JSON frame, raw bytes), whatever the number of subscribers and lanes
      Delivery d = new Delivery(address, msg);
      try {
        if (msg.isSend()) {
          // a send or request: one receiver, which may answer
          if (pointToPoint == null) {
            pointToPoint = new PointToPoint();
          }
          pointToPoint.deliverOne(home != null ? home : Loops.current(), all, address, d, overflow);
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

    /** Groups the subscribers by lane after a change. */
    void split() {
      dirty = false;
      all = subscribers.toArray(new Subscriber[0]);
      List<Subscriber> own = new ArrayList<>(subscribers.size());
      Map<Context, List<Subscriber>> others = null;
      for (Subscriber s : subscribers) {
        Context lane = s.lane();
        if (lane == null || lane == home) {
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
  }

  /**
   * Adds a subscriber; completes when the bus consumer is registered (at once when it already was),
   * on the caller's loop.
   */
  public Future<Void> subscribe(String address, Subscriber conn) {
    Context caller = Loops.current();
    Entry e;
    synchronized (this) {
      e = entries.get(address);
      if (e == null) {
        Entry created = new Entry(address);
        entries.put(address, created);
        onHome(() -> {
          created.consumer = bus.consumer(address, created::onMessage);
          created.consumer.completion().onComplete(created.registered);
        });
        e = created;
      }
      if (e.subscribers.add(conn)) {
        e.dirty = true;
      }
    }
    Future<Void> registered = e.registered.future();
    if (registered.isComplete() || caller == null || caller == home || home == null) {
      return registered;
    }
    // completed on the home loop: the caller goes on on its own
    Promise<Void> here = Promise.promise();
    registered.onComplete(ar -> Loops.run(caller, () -> here.handle(ar)));
    return here.future();
  }

  public void unsubscribe(String address, Subscriber conn) {
    synchronized (this) {
      Entry e = entries.get(address);
      if (e == null || !e.subscribers.remove(conn)) {
        return;
      }
      e.dirty = true;
      if (e.subscribers.isEmpty()) {
        entries.remove(address);
        onHome(() -> e.consumer.unregister());
      }
    }
  }

  /**
   * Runs {@code task} on {@code caller}'s loop once every message the home loop took before now has
   * been handed to that loop: a replay answer, which comes straight to the caller's loop, then follows
   * the live messages published before it, as it does on one loop.
   */
  void afterHome(Context caller, Runnable task) {
    if (home == null || caller == null || caller == home) {
      task.run();
      return;
    }
    home.runOnContext(v -> caller.runOnContext(w -> task.run()));
  }

  /**
   * Runs {@code task} as the home loop's (called under the lock). From another loop it runs at once,
   * on the calling thread, with the home context as the current one ({@code dispatch}): a consumer made
   * there belongs to the home loop and is registered before the subscriber's frame is done with, as on
   * one loop, so a message published once the subscription shows is not missed.
   */
  private void onHome(Runnable task) {
    if (home == null || Loops.current() == home) {
      task.run();
    } else {
      ((io.vertx.core.internal.ContextInternal) home).dispatch(task);
    }
  }

  /** Bus consumers this node holds for bridge clients: one per watched address. */
  synchronized int consumerCount() {
    return entries.size();
  }

  synchronized int consumerCount(String address) {
    return entries.containsKey(address) ? 1 : 0;
  }

  synchronized int subscriberCount(String address) {
    Entry e = entries.get(address);
    return e == null ? 0 : e.subscribers.size();
  }

  synchronized int subscriptionCount() {
    int n = 0;
    for (Entry e : entries.values()) {
      n += e.subscribers.size();
    }
    return n;
  }

  synchronized void clear() {
    for (Entry e : entries.values()) {
      onHome(() -> e.consumer.unregister());
    }
    entries.clear();
  }
}
