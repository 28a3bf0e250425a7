package dev.opsbus.gateway.servicekeys;

import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.Principal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's side of service keys: turns a presented secret into the key's principal, keeps the
 * grants of the keys in use for {@link ServiceKeyAccess}, records last use (at most once a minute
 * per key), and cuts a revoked key's connections: at once when the revocation message arrives,
 * and at the latest at the next periodic recheck if the message was missed. A key past its expiry
 * is refused with {@code key_expired}, and the same recheck cuts its open connections with that code.
 * A verified key is remembered for one recheck interval ({@link VerifiedKeys}), so repeated HTTP
 * calls with the same key do not read the database each time.
 */
public final class ServiceKeys {

  private static final Logger LOG = LoggerFactory.getLogger(ServiceKeys.class);
  /** Where revocations are published to every gateway of the cluster. */
  public static final String REVOKED_ADDRESS = "servicekeys.revoked";
  private static final long TOUCH_EVERY_MS = 60_000;
  /** Verified keys remembered at most (a few hundred bytes each). */
  private static final int MAX_VERIFIED = 10_000;

  private final Vertx vertx;
  private final ServiceKeyStore store;
  private final ServiceSettings settings;
  /** Grants of the keys verified on this node, by key name; read from any event loop. */
  private final Map<String, KeyGrants> grants = new ConcurrentHashMap<>();
  private final Map<String, Long> lastTouch = new HashMap<>();
  private final VerifiedKeys verified;
  private KeyConnections connections;
  private MessageConsumer<JsonObject> revocations;
  private long timer = -1;

  public ServiceKeys(Vertx vertx, ServiceKeyStore store, ServiceSettings settings) {
    this.vertx = vertx;
    this.store = store;
    this.settings = settings;
    this.verified = new VerifiedKeys(settings.revocationRecheck().toNanos(), MAX_VERIFIED, System::nanoTime);
  }

  public ServiceKeyStore store() {
    return store;
  }

  public ServiceSettings settings() {
    return settings;
  }

  /** Starts listening for revocations and the periodic recheck of {@code conns}. */
  public Future<Void> start(KeyConnections conns) {
    this.connections = conns;
    revocations = vertx.eventBus().consumer(REVOKED_ADDRESS, msg -> cut(ServiceKeyRevoked.fromJson(msg.body()).name(), ErrorCode.INVALID_TOKEN, "was revoked"));
    timer = vertx.setPeriodic(settings.revocationRecheck().toMillis(), id -> recheck());
    return revocations.completion();
  }

  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    if (revocations != null) {
      revocations.unregister();
    }
  }

  /** The key's principal; {@code invalid_token} for an unknown or revoked key, {@code key_expired} for one past its expiry. */
  public Future<Principal> verify(String secret) {
    String hash = KeySecret.sha256(secret);
    ServiceKey known = verified.fresh(hash);
    if (known != null) {
      return accept(known);
    }
    long generation = verified.generation();
    return store.findLive(hash).compose(found -> {
      if (found.isEmpty()) {
        return Future.failedFuture(new OpsbusException(ErrorCode.INVALID_TOKEN, "the service key is not valid (unknown or revoked)"));
      }
      ServiceKey key = found.get();
      verified.put(hash, key, generation);
      return accept(key);
    });
  }

  private Future<Principal> accept(ServiceKey key) {
    if (key.expired(Instant.now())) {
      grants.remove(key.name());
      verified.forget(key.name());
      return Future.failedFuture(new OpsbusException(ErrorCode.KEY_EXPIRED,
          "the service key '" + key.name() + "' expired at " + key.expiresAt() + ": make a new key"));
    }
    grants.put(key.name(), key.grants());
    touch(key.name());
    return Future.succeededFuture(key.principal());
  }

  /** Keys remembered as verified on this node (for tests and the metrics). */
  public int verifiedKeys() {
    return verified.size();
  }

  /** The grants of a key principal verified on this node; null for users and unknown keys. */
  public KeyGrants grantsOf(Principal p) {
    String name = ServiceKey.keyNameOf(p);
    return name == null ? null : grants.get(name);
  }

  /** Revokes in the database, then tells every node to cut the key's connections. */
  public Future<ServiceKey> revoke(String name) {
    return store.revoke(name).onSuccess(k -> {
      grants.remove(name);
      verified.forget(name);
      vertx.eventBus().publish(REVOKED_ADDRESS, new ServiceKeyRevoked(name).toJson());
    });
  }

  private void cut(String name, ErrorCode code, String why) {
    grants.remove(name);
    verified.forget(name);
    if (connections != null) {
      int n = connections.cut(ServiceKey.principalName(name), code, "the service key '" + name + "' " + why + ": closed");
      if (n > 0) {
        LOG.info("service key {} {}: closed {} connection(s)", name, why, n);
      }
    }
  }

  /** Re-reads which keys with an open connection here are still live; cuts the others (revoked or expired). */
  private void recheck() {
    if (connections == null) {
      return;
    }
    Set<String> names = new HashSet<>();
    for (String p : connections.principals()) {
      if (p.startsWith(ServiceKey.PRINCIPAL_PREFIX)) {
        names.add(p.substring(ServiceKey.PRINCIPAL_PREFIX.length()));
      }
    }
    if (names.isEmpty()) {
      return;
    }
    store.notRevoked(names).onSuccess(live -> {
      for (String n : names) {
        Boolean expired = live.get(n);
        if (expired == null) {
          cut(n, ErrorCode.INVALID_TOKEN, "was revoked (found on recheck)");
        } else if (expired) {
          cut(n, ErrorCode.KEY_EXPIRED, "has expired");
        }
      }
    }).onFailure(err -> LOG.warn("service key recheck failed: {}", err.getMessage()));
  }

  private void touch(String name) {
    long now = System.currentTimeMillis();
    synchronized (lastTouch) {
      Long last = lastTouch.get(name);
      if (last != null && now - last < TOUCH_EVERY_MS) {
        return;
      }
      lastTouch.put(name, now);
    }
    store.touch(name).onFailure(err -> LOG.debug("last use of key {} not recorded: {}", name, err.getMessage()));
  }
}
