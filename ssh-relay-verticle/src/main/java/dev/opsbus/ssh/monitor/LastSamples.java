package dev.opsbus.ssh.monitor;

import dev.opsbus.model.wire.HostHealth;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;

/**
 * The last health sample of each host, in the cluster map {@value #MAP}: whichever relay answers
 * {@code metrics.host.last} (any of them may) gives the owner's last sample, and a relay that
 * takes a host over continues its {@code seq}. One write per sample.
 */
final class LastSamples {

  static final String MAP = "opsbus.host.last";

  private final Vertx vertx;
  private Future<AsyncMap<String, String>> map;

  LastSamples(Vertx vertx) {
    this.vertx = vertx;
  }

  private Future<AsyncMap<String, String>> map() {
    if (map == null) {
      map = vertx.sharedData().getAsyncMap(MAP);
    }
    return map;
  }

  void save(HostHealth sample) {
    map().compose(m -> m.put(sample.hostId(), sample.toJson().encode()));
  }

  /** The last sample of {@code hostId} any relay published; null when none (or unreadable). */
  Future<HostHealth> get(String hostId) {
    return map().compose(m -> m.get(hostId))
        .map(s -> s == null ? null : HostHealth.fromJson(new JsonObject(s)))
        .otherwise(e -> null);
  }
}
