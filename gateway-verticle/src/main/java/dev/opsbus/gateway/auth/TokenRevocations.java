package dev.opsbus.gateway.auth;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.Principal;
import dev.opsbus.model.wire.UserRevoked;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Revocation that bites within seconds on every node. Each user has a token version (a column of
 * {@code users}); every token carries the version it was issued under ({@link TokenVersion}).
 * Logout, deletion and every change of a user's roles, grants or password raise it, and the node
 * that raised it publishes {@code users.revoked} ({@link UserRevoked}) so every gateway learns it
 * at once. Then:
 *
 * <ul>
 *   <li>every HTTP call and every socket login or renewal ({@link TokenService#verify}) asks
 *       {@link #admit}: a token below its user's version, or of a user who is gone, is
 *       {@code token_revoked}. The versions are cached per node; an entry older than the TTL is
 *       read again, so a node that missed a message is wrong for at most that long;</li>
 *   <li>every open socket holds a {@link Watch}: when its user's version passes the socket's token
 *       (a message, or the periodic re-read of the versions of every user with a socket open,
 *       which covers a missed message) the socket is told and closes.</li>
 * </ul>
 *
 * A version only ever moves up here, so a stale or repeated message cannot bring a token back.
 */
public final class TokenRevocations implements RevocationCheck {

  private static final Logger LOG = LoggerFactory.getLogger(TokenRevocations.class);
  /** How long a cached version answers HTTP calls before it is read again. */
  public static final Duration CACHE_TTL = Duration.ofSeconds(10);
  /** How often the versions of users with open sockets are read again (covers a missed message). */
  public static final Duration RECHECK = Duration.ofSeconds(2);
  /** The version of a user who no longer exists: above every token. */
  static final long GONE = Long.MAX_VALUE;

  private record Known(long version, long readAtNanos) {
  }

  /** One open socket's token: told once when it is revoked, unless cancelled first. */
  public final class Watch {
    private final String username;
    private final Consumer<OpsbusException> onRevoked;
    private volatile long version;
    private volatile boolean done;

    private Watch(String username, long version, Consumer<OpsbusException> onRevoked) {
      this.username = username;
      this.version = version;
      this.onRevoked = onRevoked;
    }

    /** The socket now holds a newer token of the same user. */
    public void renew(long newVersion) {
      version = newVersion;
    }

    /** The socket is gone. */
    public void cancel() {
      done = true;
      Set<Watch> set = watches.get(username);
      if (set != null) {
        set.remove(this);
        if (set.isEmpty()) {
          watches.remove(username, set);
        }
      }
    }

    private void check(long current) {
      if (!done && version < current) {
        cancel();
        onRevoked.accept(refusal(username, current));
      }
    }
  }

  private final Vertx vertx;
  private final UserStore users;
  private final long ttlNanos;
  private final Duration recheck;
  private final Map<String, Known> known = new ConcurrentHashMap<>();
  private final Map<String, Set<Watch>> watches = new ConcurrentHashMap<>();
  private MessageConsumer<JsonObject> consumer;
  private long timer = -1;
  private boolean rechecking;

  public TokenRevocations(Vertx vertx, UserStore users) {
    this(vertx, users, CACHE_TTL, RECHECK);
  }

  public TokenRevocations(Vertx vertx, UserStore users, Duration ttl, Duration recheck) {
    this.vertx = vertx;
    this.users = users;
    this.ttlNanos = ttl.toNanos();
    this.recheck = recheck;
  }

  /** Listens to {@code users.revoked} from every node and starts the periodic re-read. */
  public Future<Void> start() {
    consumer = vertx.eventBus().consumer(Addresses.USERS_REVOKED, m -> {
      try {
        learned(UserRevoked.fromJson(m.body()));
      } catch (IllegalArgumentException e) {
        LOG.warn("ignored a users.revoked message that is not a revocation: {}", e.getMessage());
      }
    });
    timer = vertx.setPeriodic(recheck.toMillis(), t -> recheck());
    return consumer.completion();
  }

  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    if (consumer != null) {
      consumer.unregister();
    }
  }

  @Override
  public Future<Principal> admit(Principal principal, long tokenVersion) {
    Known k = known.get(principal.username());
    if (k != null && System.nanoTime() - k.readAtNanos() < ttlNanos) {
      return decide(principal, tokenVersion, k.version());
    }
    return users.tokenVersions(List.of(principal.username()))
        .recover(err -> Future.failedFuture(new OpsbusException(ErrorCode.UNAVAILABLE, "the token could not be checked right now: try again")))
        .compose(found -> {
          long current = found.getOrDefault(principal.username(), GONE);
          read(principal.username(), current);
          return decide(principal, tokenVersion, known.get(principal.username()).version());
        });
  }

  private static Future<Principal> decide(Principal principal, long tokenVersion, long current) {
    return tokenVersion < current ? Future.failedFuture(refusal(principal.username(), current)) : Future.succeededFuture(principal);
  }

  private static OpsbusException refusal(String username, long current) {
    return new OpsbusException(ErrorCode.TOKEN_REVOKED, current == GONE
        ? "user '" + username + "' no longer exists: this token is revoked"
        : "this token was revoked (logout, or a change of the user's roles, host grants or password): log in again");
  }

  /** Revokes every token of the user issued so far (logout), on every node. */
  public Future<Void> revokeAll(String username) {
    return users.bumpTokenVersion(username).map(v -> {
      announce(UserRevoked.bumped(username, v));
      return null;
    });
  }

  /**
   * Tells every node, this one first, what changed: tokens below a version, or every token of a
   * deleted user. Call it after the change is in the database.
   */
  public void announce(UserRevoked revoked) {
    learned(revoked);
    vertx.eventBus().publish(Addresses.USERS_REVOKED, revoked.toJson());
  }

  /** A socket holding a token of {@code username} at {@code version}: {@code onRevoked} once it is revoked. */
  public Watch watch(String username, long version, Consumer<OpsbusException> onRevoked) {
    // told on the loop of the socket that watches (the sockets of a node live on several loops)
    io.vertx.core.Context loop = dev.opsbus.gateway.loops.Loops.current();
    Watch w = new Watch(username, version, e -> dev.opsbus.gateway.loops.Loops.run(loop, () -> onRevoked.accept(e)));
    if (!isUser(username)) {
      // a service key ("key:<name>"; a user name never holds ':') has no token version: revoking the key
      // cuts its connections (servicekeys.revoked); a watch here would find no such user and close them
      w.done = true;
      return w;
    }
    watches.computeIfAbsent(username, u -> ConcurrentHashMap.newKeySet()).add(w);
    Known k = known.get(username);
    if (k != null && version < k.version()) {
      // revoked already (a race with the check at login): told on the event loop, after the caller has kept the watch
      vertx.runOnContext(v -> w.check(known.get(username).version()));
    }
    return w;
  }

  /** Whether {@code username} names a user (with a token version), not a service key. */
  static boolean isUser(String username) {
    return username != null && username.indexOf(':') < 0;
  }

  /** Sockets watched now, over all users (for tests and observation). */
  public int watchCount() {
    return watches.values().stream().mapToInt(Set::size).sum();
  }

  private void learned(UserRevoked r) {
    if (r.username() == null) {
      return;
    }
    remember(r.username(), r.deleted() ? GONE : r.tokenVersion());
    fire(r.username());
  }

  private void remember(String username, long version) {
    long now = System.nanoTime();
    known.merge(username, new Known(version, now), (old, fresh) -> new Known(Math.max(old.version(), fresh.version()), now));
  }

  /**
   * What the database says: it moves a version up, never down, except that a user who was gone and
   * exists again (created anew under the same name, with a version above any the old one had, see
   * {@link UserStore#create}) is believed.
   */
  private void read(String username, long version) {
    long now = System.nanoTime();
    known.merge(username, new Known(version, now), (old, fresh) -> new Known(
        old.version() == GONE ? fresh.version() : Math.max(old.version(), fresh.version()), now));
  }

  private void fire(String username) {
    Set<Watch> set = watches.get(username);
    Known k = known.get(username);
    if (set == null || k == null) {
      return;
    }
    for (Watch w : List.copyOf(set)) {
      w.check(k.version());
    }
  }

  /** Reads again the version of every user with a socket open here: a message this node missed still bites. */
  private void recheck() {
    if (rechecking || watches.isEmpty()) {
      return;
    }
    rechecking = true;
    List<String> names = List.copyOf(watches.keySet());
    users.tokenVersions(names)
        .onSuccess(found -> {
          for (String name : names) {
            read(name, found.getOrDefault(name, GONE));
            fire(name);
          }
        })
        .onFailure(err -> LOG.warn("could not re-read token versions: {}", err.getMessage()))
        .onComplete(ar -> rechecking = false);
  }
}
