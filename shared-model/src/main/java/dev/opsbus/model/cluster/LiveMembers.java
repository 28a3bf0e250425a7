package dev.opsbus.model.cluster;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Who is alive in one role (relays, gateways), by leases in a cluster-wide map: each member puts
 * its id with a time to live every {@code refreshMillis} and reads the keys back, so a member
 * that dies drops out within {@code ttlMillis} plus one refresh, and one that stops cleanly
 * removes its lease at once. On a node that is not clustered the map is local and the only
 * member is this one. Everything runs on the caller's context; the cost is one put and one key
 * read per refresh, whatever the traffic.
 */
public final class LiveMembers {

  private final Vertx vertx;
  private final String mapName;
  private final String self;
  private final long refreshMillis;
  private final long ttlMillis;
  private AsyncMap<String, String> map;
  private Set<String> live;
  private Set<String> previous;
  /** Every member this one has seen alive (a member never seen may just have joined). */
  private final Set<String> seen = new java.util.HashSet<>();
  private long timer = -1;
  private boolean inFlight;
  private boolean stopped;
  private boolean failing;
  private Consumer<Set<String>> onChange = s -> {};
  private Consumer<Throwable> onTrouble = e -> {};

  public LiveMembers(Vertx vertx, String mapName, String self, long refreshMillis, long ttlMillis) {
    if (refreshMillis <= 0 || ttlMillis <= refreshMillis) {
      throw new IllegalArgumentException("need 0 < refresh < ttl");
    }
    this.vertx = vertx;
    this.mapName = mapName;
    this.self = self;
    this.refreshMillis = refreshMillis;
    this.ttlMillis = ttlMillis;
    this.live = java.util.Collections.unmodifiableSet(new TreeSet<>(Set.of(self)));
    this.previous = Set.of();
  }

  /** Called (on the context that started this) with the new set whenever it changes. */
  public LiveMembers onChange(Consumer<Set<String>> handler) {
    this.onChange = handler;
    return this;
  }

  /** Called once per outage when the leases cannot be refreshed (the last view is kept meanwhile). */
  public LiveMembers onTrouble(Consumer<Throwable> handler) {
    this.onTrouble = handler;
    return this;
  }

  /** Takes this member's lease and reads the others; completes once the first view is known. */
  public Future<Void> start() {
    return vertx.sharedData().<String, String>getAsyncMap(mapName).compose(m -> {
      map = m;
      return refresh();
    }).onSuccess(v -> timer = vertx.setPeriodic(refreshMillis, t -> {
      if (!inFlight) {
        refresh();
      }
    }));
  }

  /** Gives the lease back, so the others see this member leave at their next refresh. */
  public Future<Void> stop() {
    stopped = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return map == null ? Future.succeededFuture() : map.remove(self).<Void>mapEmpty().recover(e -> Future.succeededFuture());
  }

  /** The members alive now (this one always among them), sorted. */
  public Set<String> live() {
    return live;
  }

  /**
   * Whether {@code id} was seen alive and has left since. A member this one has not seen yet is
   * not gone: it may have joined after the last refresh.
   */
  public boolean isGone(String id) {
    return seen.contains(id) && !live.contains(id);
  }

  /** The view before the last change: used to tell a hand-over from a loss. */
  public Set<String> previous() {
    return previous;
  }

  public String self() {
    return self;
  }

  private Future<Void> refresh() {
    inFlight = true;
    return map.put(self, Long.toString(System.currentTimeMillis()), ttlMillis)
        .compose(v -> map.keys())
        .map(keys -> {
          TreeSet<String> next = new TreeSet<>(keys);
          next.add(self);
          return (Set<String>) java.util.Collections.unmodifiableSet(next);
        })
        .onComplete(ar -> {
          inFlight = false;
          if (ar.failed()) {
            if (!failing) {
              failing = true;
              onTrouble.accept(ar.cause());
            }
            return;
          }
          failing = false;
          seen.addAll(ar.result());
          if (!stopped && !ar.result().equals(live)) {
            previous = live;
            live = ar.result();
            onChange.accept(live);
          }
        })
        .mapEmpty();
  }
}
