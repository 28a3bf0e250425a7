package dev.opsbus.gateway.bridge;

import dev.opsbus.model.cluster.LiveMembers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-user connection cap counted across the cluster. Per user, the cluster map
 * {@value #MAP} holds how many connections each node has open ({@code node=count,...}); a
 * connection that logs in reads it, drops the counts of nodes whose gateway lease has lapsed
 * ({@link LiveMembers} over {@value #GATEWAYS}: a node killed with its connections stops counting
 * within seconds; a node this one has not seen yet is never dropped, it may just have joined), and writes its node's count + 1 back with compare-and-set, or is refused when
 * the sum is at the cap. Cost per connect and per close: one read and one conditional write on one
 * key (more only under contention for the same user).
 *
 * <p>The bridge admits a connection on its node's own count first (synchronously, as alone), then
 * asks here; a refusal closes it with {@code too_many_connections} a round trip later. When the
 * map cannot be reached the node's own cap holds (logged): the cap is a fairness bound, not a
 * security boundary.
 */
final class ClusterConnectionCap {

  static final String MAP = "opsbus.bridge.connections";
  static final String GATEWAYS = "opsbus.gateways";
  private static final Logger LOG = LoggerFactory.getLogger(ClusterConnectionCap.class);
  private static final int MAX_TRIES = 32;
  private static final long LEASE_REFRESH_MS = 2_000;
  private static final long LEASE_TTL_MS = 8_000;

  private final Vertx vertx;
  private final String nodeId;
  private final int max;
  private final LiveMembers gateways;
  private Future<AsyncMap<String, String>> map;
  /** Connections counted in the map, by the user they count for (this and the two sets below change under the lock). */
  private final Map<Object, String> counted = new java.util.concurrent.ConcurrentHashMap<>();
  /** Connections closed before their count was written: released as soon as it is. */
  private final Set<Object> gone = new java.util.HashSet<>();
  /** Connections whose admission is being written. */
  private final Set<Object> pending = new java.util.HashSet<>();

  ClusterConnectionCap(Vertx vertx, String nodeId, int max) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.max = max;
    this.gateways = new LiveMembers(vertx, GATEWAYS, nodeId, LEASE_REFRESH_MS, LEASE_TTL_MS)
        .onTrouble(e -> LOG.warn("cannot refresh the gateway leases ({}); the connection cap keeps the last view", e.toString()));
  }

  Future<Void> start() {
    map = vertx.sharedData().getAsyncMap(MAP);
    return map.compose(m -> gateways.start());
  }

  Future<Void> stop() {
    return gateways.stop();
  }

  /** Counts {@code conn} for {@code user} cluster-wide; runs {@code refuse} when the user is at the cap. */
  void admit(Object conn, String user, Runnable refuse) {
    synchronized (this) {
      pending.add(conn);
    }
    map.compose(m -> change(m, user, +1, MAX_TRIES)).onComplete(ar -> admitted(conn, user, refuse, ar));
  }

  /** The admission's write came back (on whatever loop the map answers on: the sets are kept under the lock). */
  private void admitted(Object conn, String user, Runnable refuse, io.vertx.core.AsyncResult<Boolean> ar) {
    boolean release;
    synchronized (this) {
      pending.remove(conn);
      if (ar.failed() || !ar.result()) {
        gone.remove(conn);
        release = false;
      } else {
        release = gone.remove(conn);
        if (!release) {
          counted.put(conn, user);
        }
      }
    }
    if (ar.failed()) {
      LOG.warn("connection cap: the cluster map failed ({}); counting user '{}' on this node only", ar.cause().toString(), user);
    } else if (!ar.result()) {
      refuse.run();
    } else if (release) {
      map.compose(m -> change(m, user, -1, MAX_TRIES));
    }
  }

  /** Whether {@code conn}'s admission is written (tests). */
  boolean isCounted(Object conn) {
    return counted.containsKey(conn);
  }

  /** {@code conn} closed: its count is given back (now, or once its admission is written). */
  void closed(Object conn) {
    String user;
    synchronized (this) {
      user = counted.remove(conn);
      if (user == null && pending.contains(conn)) {
        gone.add(conn);
      }
    }
    if (user != null) {
      map.compose(m -> change(m, user, -1, MAX_TRIES));
    }
  }

  /** Applies {@code delta} to this node's count for {@code user}; false when +1 would pass the cap. */
  private Future<Boolean> change(AsyncMap<String, String> m, String user, int delta, int tries) {
    if (tries == 0) {
      // lost every race for the key (a burst of one user's connections): that is not the cap being
      // reached; fail, so the connection is counted on this node only, as when the map is away
      return Future.failedFuture(new IllegalStateException("the count of user '" + user + "' changed under " + MAX_TRIES
          + " attempts in a row"));
    }
    return m.get(user).compose(raw -> {
      Map<String, Integer> counts = decode(raw);
      // a node seen alive whose lease lapsed (killed) no longer counts; one not seen yet just joined
      counts.keySet().removeIf(n -> !n.equals(nodeId) && gateways.isGone(n));
      int total = counts.values().stream().mapToInt(Integer::intValue).sum();
      if (delta > 0 && total >= max) {
        return Future.succeededFuture(false);
      }
      int mine = Math.max(0, counts.getOrDefault(nodeId, 0) + delta);
      if (mine == 0) {
        counts.remove(nodeId);
      } else {
        counts.put(nodeId, mine);
      }
      String next = encode(counts);
      Future<Boolean> written;
      if (raw == null) {
        written = next.isEmpty() ? Future.succeededFuture(true) : m.putIfAbsent(user, next).map(prev -> prev == null);
      } else if (next.isEmpty()) {
        written = m.removeIfPresent(user, raw);
      } else {
        written = m.replaceIfPresent(user, raw, next);
      }
      return written.compose(ok -> ok ? Future.succeededFuture(true) : change(m, user, delta, tries - 1));
    });
  }

  static Map<String, Integer> decode(String raw) {
    Map<String, Integer> out = new TreeMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String part : raw.split(",")) {
      int eq = part.lastIndexOf('=');
      if (eq > 0) {
        try {
          out.put(part.substring(0, eq), Integer.parseInt(part.substring(eq + 1)));
        } catch (NumberFormatException e) {
          // a broken entry counts nothing
        }
      }
    }
    return out;
  }

  static String encode(Map<String, Integer> counts) {
    StringBuilder b = new StringBuilder();
    new TreeMap<>(counts).forEach((n, c) -> b.append(b.length() == 0 ? "" : ",").append(n).append('=').append(c));
    return b.toString();
  }
}
