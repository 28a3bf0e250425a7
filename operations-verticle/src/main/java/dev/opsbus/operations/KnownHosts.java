package dev.opsbus.operations;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.hosts.HostChange;
import dev.opsbus.model.hosts.HostsClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Whether a host exists, for the starts: asked of the hosts' owner (the gateway's host service, see
 * {@link HostsClient}), and a yes remembered for {@link #TTL} so that a burst of starts on the same
 * hosts does not read the hosts table once per start. A change of the host through the API
 * ({@code hosts.changed}: updated, deleted, ...) forgets it at once; a no, and a failure to ask, are
 * never remembered (a host registered a moment ago starts on the next try).
 */
final class KnownHosts {

  static final Duration TTL = Duration.ofSeconds(30);
  static final int MAX = 100_000;

  private final Vertx vertx;
  private final HostsClient hosts;
  /** Host id to the time (ms) its yes was heard, oldest first. */
  private final Map<String, Long> known = new LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
      return size() > MAX;
    }
  };
  private MessageConsumer<JsonObject> changes;

  KnownHosts(Vertx vertx) {
    this.vertx = vertx;
    this.hosts = new HostsClient(vertx);
  }

  Future<Void> start() {
    changes = vertx.eventBus().consumer(Addresses.HOSTS_CHANGED, m -> {
      String id = HostChange.hostIdOf(m.body());
      if (id != null) {
        known.remove(id);
      } else {
        known.clear();
      }
    });
    return changes.completion();
  }

  Future<Void> stop() {
    return changes == null ? Future.succeededFuture() : changes.unregister();
  }

  /** Whether the host exists: false only when its owner says {@code not_found}, a failure when it cannot be asked. */
  Future<Boolean> exists(String hostId) {
    long now = System.currentTimeMillis();
    Long heard = known.get(hostId);
    if (heard != null && now - heard < TTL.toMillis()) {
      return Future.succeededFuture(true);
    }
    return hosts.exists(hostId).onSuccess(yes -> {
      if (yes) {
        // re-inserted: the map stays oldest first
        known.remove(hostId);
        known.put(hostId, now);
      } else {
        known.remove(hostId);
      }
    });
  }
}
