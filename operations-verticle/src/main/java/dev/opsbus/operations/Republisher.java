package dev.opsbus.operations;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.NodeLocal;
import dev.opsbus.model.Republished;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Changes a node committed but never published. A node writes an operation's change, then
 * publishes it; killed between the two, it leaves a change in the database that no one pushes live,
 * so a client that stays connected to a surviving node would miss it (a client that reconnects
 * gets it in its replay). Every node therefore notes the seq of every change it receives on
 * {@code ops.updates.all} (the last {@link #LOOK_BACK}), and when a node leaves the cluster it
 * reads the changes of that node's operations committed within that time and publishes, to this
 * node's own subscribers only ({@code localOnly}), each one it never received: on
 * {@code ops.updates.host.{hostId}} and {@code ops.updates.all}, with the header
 * {@link Republished#HEADER}. Each node judges only what reached it, since a dying node's publish
 * may reach some nodes and not others. The bridge drops a republished change that a replay it sent
 * already carried (a client of the dead node that reconnected first), so no client sees one twice.
 * Event-loop confined (the verticle's context).
 */
final class Republisher {

  /** How far back a departed node's changes are looked for, and how long received seqs are kept. */
  static final Duration LOOK_BACK = Duration.ofMinutes(5);
  /** At most this many received seqs are kept; the oldest go first. */
  static final int MAX_SEEN = 100_000;
  private static final Logger LOG = LoggerFactory.getLogger(Republisher.class);

  private final Vertx vertx;
  private final OperationStore store;
  private final String self;
  private final Duration every;
  /** Received seqs, and the same in arrival order with when they arrived (for pruning). */
  private final Set<Long> seen = new HashSet<>();
  private final ArrayDeque<long[]> arrivals = new ArrayDeque<>();
  /** Seqs at or below are not judged: committed before this node watched, or forgotten. Null until known. */
  private Long floor;
  private Set<String> members;
  /** Departed nodes noticed on the last tick: looked at on the next one, when their last messages are in. */
  private final Set<String> noticed = new HashSet<>();
  /** Departed nodes whose changes are to be looked at (again, when the database refused). */
  private final Set<String> due = new HashSet<>();
  private MessageConsumer<Object> consumer;
  private long timer = -1;
  private boolean busy;

  Republisher(Vertx vertx, OperationStore store, String self, Duration every) {
    this.vertx = vertx;
    this.store = store;
    this.self = self;
    this.every = every;
  }

  Future<Void> start() {
    consumer = vertx.eventBus().consumer(Addresses.OPS_UPDATES_ALL, m -> saw(m.body()));
    members = members();
    return consumer.completion().compose(v -> learnFloor()).onSuccess(v -> timer = vertx.setPeriodic(every.toMillis(), t -> tick()));
  }

  void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    if (consumer != null) {
      consumer.unregister();
    }
  }

  /** Everything published before the consumer was registered is not ours to judge. */
  private Future<Void> learnFloor() {
    return store.lastSeq().onSuccess(last -> {
      if (floor == null) {
        floor = last;
      }
    }).<Void>mapEmpty().recover(err -> Future.succeededFuture());
  }

  private void saw(Object body) {
    if (!(body instanceof JsonObject o) || !(o.getValue("seq") instanceof Number n)) {
      return;
    }
    long seq = n.longValue();
    if (seen.add(seq)) {
      arrivals.addLast(new long[] {seq, System.currentTimeMillis()});
    }
    prune(System.currentTimeMillis());
  }

  private void prune(long now) {
    long oldest = now - LOOK_BACK.toMillis();
    while (!arrivals.isEmpty() && (arrivals.peekFirst()[1] < oldest || arrivals.size() > MAX_SEEN)) {
      long seq = arrivals.pollFirst()[0];
      seen.remove(seq);
      if (floor != null) {
        floor = Math.max(floor, seq);
      }
    }
  }

  /** The opsbus node ids of the cluster's live members, or null when this node is not clustered. */
  private Set<String> members() {
    Object v = vertx.sharedData().getLocalMap(NodeLocal.MAP).get(NodeLocal.MEMBERS);
    if (!(v instanceof String s)) {
      return null;
    }
    return Arrays.stream(s.split(",")).filter(x -> !x.isBlank()).collect(Collectors.toSet());
  }

  void tick() {
    prune(System.currentTimeMillis());
    if (floor == null) {
      learnFloor();
    }
    due.addAll(noticed);
    noticed.clear();
    Set<String> now = members();
    if (now != null && members != null) {
      for (String m : members) {
        if (!now.contains(m) && !m.equals(self)) {
          noticed.add(m);
        }
      }
    }
    if (now != null) {
      members = now;
    }
    if (due.isEmpty() || floor == null || busy) {
      return;
    }
    busy = true;
    List<String> nodes = List.copyOf(due);
    Future<Void> all = Future.succeededFuture();
    for (String node : nodes) {
      all = all.compose(v -> republish(node).onSuccess(x -> due.remove(node)));
    }
    all.onComplete(ar -> {
      busy = false;
      if (ar.failed()) {
        LOG.warn("could not look for changes committed but not published by departed nodes {} (tried again): {}", due,
            ar.cause().getMessage());
      }
    });
  }

  /** Publishes here the changes {@code node}'s operations committed that this node never received. */
  private Future<Void> republish(String node) {
    long from = floor;
    return store.changesOfNode(node, from, LOOK_BACK.toSeconds()).map(changes -> {
      Map<Long, JsonObject> missing = new LinkedHashMap<>();
      for (JsonObject c : changes) {
        long seq = c.getLong("seq");
        if (seq > floor && !seen.contains(seq)) {
          missing.put(seq, c);
        }
      }
      DeliveryOptions opts = new DeliveryOptions().setLocalOnly(true).addHeader(Republished.HEADER, "true");
      for (JsonObject c : missing.values()) {
        saw(c);
        vertx.eventBus().publish(Addresses.OPS_UPDATES_HOST.format(c.getString("hostId")), c, opts);
        vertx.eventBus().publish(Addresses.OPS_UPDATES_ALL, c, opts);
      }
      if (!missing.isEmpty()) {
        LOG.warn("node {} left the cluster: republished here {} change(s) it committed but did not publish (seq {})", node,
            missing.size(), missing.keySet());
      }
      return null;
    });
  }
}
