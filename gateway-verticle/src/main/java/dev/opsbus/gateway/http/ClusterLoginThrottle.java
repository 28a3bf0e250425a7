package dev.opsbus.gateway.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The login throttle counted across the cluster: the same limits as {@link LoginThrottle} (per
 * username and client address, per client address), kept in the cluster map {@value #MAP}, so
 * guesses spread over many nodes count as if they came to one. This node's own
 * {@link LoginThrottle} is asked first (it refuses without a round trip, and is what holds if the
 * cluster map cannot be reached); then both keys are checked and bumped with compare-and-set, so
 * parallel attempts on different nodes each take their own slot before any password is checked.
 *
 * <p>Cost per attempt: a read and a conditional write per key (two keys), a few more under
 * contention; a key lives for one window ({@code putIfAbsent} with the window as time to live).
 * The lock-out binds (user, address) and (address): one address locked out never locks out
 * another.
 */
final class ClusterLoginThrottle implements LoginLimiter {

  static final String MAP = "opsbus.login.attempts";
  private static final Logger LOG = LoggerFactory.getLogger(ClusterLoginThrottle.class);
  private static final int MAX_TRIES = 16;

  private final Vertx vertx;
  private final LoginThrottle local;
  private final int maxPerUserAndSource;
  private final int maxPerSource;
  private final long windowMillis;
  private final LongSupplier clock;
  private Future<AsyncMap<String, String>> map;

  ClusterLoginThrottle(Vertx vertx, LoginThrottle local, int maxPerUserAndSource, int maxPerSource, long windowMillis,
      LongSupplier clock) {
    this.vertx = vertx;
    this.local = local;
    this.maxPerUserAndSource = maxPerUserAndSource;
    this.maxPerSource = maxPerSource;
    this.windowMillis = windowMillis;
    this.clock = clock;
  }

  private Future<AsyncMap<String, String>> map() {
    if (map == null) {
      map = vertx.sharedData().getAsyncMap(MAP);
    }
    return map;
  }

  /** A window: attempts counted, and when it began. */
  private record Window(long count, long start) {
    String encode() {
      return count + " " + start;
    }

    static Window decode(String s) {
      if (s == null) {
        return null;
      }
      int sp = s.indexOf(' ');
      try {
        return sp < 0 ? null : new Window(Long.parseLong(s.substring(0, sp)), Long.parseLong(s.substring(sp + 1)));
      } catch (NumberFormatException e) {
        return null;
      }
    }
  }

  @Override
  public Future<Long> reserve(String source, String username) {
    long localWait = local.reserve(source, username);
    if (localWait > 0) {
      return Future.succeededFuture(localWait);
    }
    String sourceKey = "s\n" + source;
    String userKey = "u\n" + source + "\n" + username;
    return map().compose(m -> bump(m, sourceKey, maxPerSource, MAX_TRIES).compose(sourceWait -> {
      if (sourceWait > 0) {
        return Future.succeededFuture(sourceWait);
      }
      return bump(m, userKey, maxPerUserAndSource, MAX_TRIES).compose(userWait -> {
        if (userWait > 0) {
          // the address had room, the user at this address had not: give the address its slot back
          return add(m, sourceKey, -1, MAX_TRIES).map(userWait);
        }
        return Future.succeededFuture(0L);
      });
    })).map(waitMs -> waitMs == 0 ? 0L : Math.max(1, (waitMs + 999) / 1000))
        .onSuccess(wait -> {
          if (wait > 0) {
            local.released(source, username);
          }
        })
        .recover(err -> {
          // the cluster map is out of reach: this node's count decides, as it would alone
          LOG.warn("login throttle: the cluster map failed ({}); counting on this node only", err.toString());
          return Future.succeededFuture(0L);
        });
  }

  @Override
  public void succeeded(String source, String username) {
    local.succeeded(source, username);
    map().onSuccess(m -> {
      m.remove("u\n" + source + "\n" + username);
      add(m, "s\n" + source, -1, MAX_TRIES);
    });
  }

  @Override
  public void released(String source, String username) {
    local.released(source, username);
    map().onSuccess(m -> {
      add(m, "u\n" + source + "\n" + username, -1, MAX_TRIES);
      add(m, "s\n" + source, -1, MAX_TRIES);
    });
  }

  /** Takes a slot under {@code key}: 0 when taken, else the milliseconds until its window ends. */
  private Future<Long> bump(AsyncMap<String, String> m, String key, int max, int tries) {
    if (tries == 0) {
      return Future.failedFuture(new IllegalStateException("too much contention on " + key.replace('\n', ' ')));
    }
    long now = clock.getAsLong();
    return m.get(key).compose(raw -> {
      Window w = Window.decode(raw);
      if (w == null || now - w.start() >= windowMillis) {
        Window fresh = new Window(1, now);
        Future<Boolean> written = raw == null
            ? m.putIfAbsent(key, fresh.encode(), windowMillis).map(prev -> prev == null)
            : m.removeIfPresent(key, raw).compose(removed -> removed
                ? m.putIfAbsent(key, fresh.encode(), windowMillis).map(prev -> prev == null) : Future.succeededFuture(false));
        return written.compose(ok -> ok ? Future.succeededFuture(0L) : bump(m, key, max, tries - 1));
      }
      if (w.count() >= max) {
        return Future.succeededFuture(Math.max(1, windowMillis - (now - w.start())));
      }
      return m.replaceIfPresent(key, raw, new Window(w.count() + 1, w.start()).encode())
          .compose(ok -> ok ? Future.succeededFuture(0L) : bump(m, key, max, tries - 1));
    });
  }

  /** Adds {@code delta} to the count under {@code key} (never below zero); nothing when the key is gone. */
  private Future<Void> add(AsyncMap<String, String> m, String key, long delta, int tries) {
    if (tries == 0) {
      return Future.succeededFuture();
    }
    return m.get(key).compose(raw -> {
      Window w = Window.decode(raw);
      if (w == null || w.count() == 0) {
        return Future.<Void>succeededFuture();
      }
      return m.replaceIfPresent(key, raw, new Window(Math.max(0, w.count() + delta), w.start()).encode())
          .compose(ok -> ok ? Future.<Void>succeededFuture() : add(m, key, delta, tries - 1));
    });
  }
}
