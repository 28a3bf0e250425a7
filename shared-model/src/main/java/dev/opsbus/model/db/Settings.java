package dev.opsbus.model.db;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Cluster-wide secrets kept in the {@code settings} table. The first node to start creates a
 * value; a node that races it reads the winner's, so all nodes end with the same one.
 */
public final class Settings {

  public static final String JWT_KEY = "jwt.hs256.key";

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Pool pool;

  public Settings(Pool pool) {
    this.pool = pool;
  }

  /** The value of {@code key}, created from {@code bytes} random bytes (base64) if absent. */
  public Future<String> getOrCreateSecret(String key, int bytes) {
    byte[] raw = new byte[bytes];
    RANDOM.nextBytes(raw);
    String candidate = Base64.getEncoder().encodeToString(raw);
    return pool.preparedQuery("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
        .execute(Tuple.of(key, candidate))
        .compose(ignored -> pool.preparedQuery("SELECT value FROM settings WHERE key = $1").execute(Tuple.of(key)))
        .map(rows -> rows.iterator().next().getString(0));
  }
}
