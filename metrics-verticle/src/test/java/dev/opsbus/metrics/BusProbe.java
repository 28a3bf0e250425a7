package dev.opsbus.metrics;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * Records everything published on one address and lets a test wait for the first message that
 * matches, instead of sleeping. Handlers run on the probe's event loop; tests read the records
 * after a wait completes.
 */
final class BusProbe {

  private final List<Message<JsonObject>> received = new CopyOnWriteArrayList<>();
  private final List<Map.Entry<Predicate<Message<JsonObject>>, Promise<Message<JsonObject>>>> waiting = new ArrayList<>();

  private BusProbe() {
  }

  static Future<BusProbe> listen(Vertx vertx, String address) {
    BusProbe probe = new BusProbe();
    return vertx.eventBus().<JsonObject>consumer(address, probe::record).completion().map(v -> probe);
  }

  private void record(Message<JsonObject> message) {
    List<Promise<Message<JsonObject>>> matched = new ArrayList<>();
    synchronized (this) {
      received.add(message);
      Iterator<Map.Entry<Predicate<Message<JsonObject>>, Promise<Message<JsonObject>>>> it = waiting.iterator();
      while (it.hasNext()) {
        var w = it.next();
        if (w.getKey().test(message)) {
          it.remove();
          matched.add(w.getValue());
        }
      }
    }
    // completed outside the loop: a continuation may well register the next wait
    matched.forEach(p -> p.complete(message));
  }

  /** The first message, already received or still to come, that matches. */
  synchronized Future<Message<JsonObject>> first(Predicate<Message<JsonObject>> match) {
    for (Message<JsonObject> m : received) {
      if (match.test(m)) {
        return Future.succeededFuture(m);
      }
    }
    Promise<Message<JsonObject>> promise = Promise.promise();
    waiting.add(Map.entry(match, promise));
    return promise.future();
  }

  /** The first message still to come that matches. */
  synchronized Future<Message<JsonObject>> next(Predicate<Message<JsonObject>> match) {
    Promise<Message<JsonObject>> promise = Promise.promise();
    waiting.add(Map.entry(match, promise));
    return promise.future();
  }

  List<JsonObject> bodies() {
    return received.stream().map(Message::body).toList();
  }

  List<Message<JsonObject>> messages() {
    return List.copyOf(received);
  }
}
