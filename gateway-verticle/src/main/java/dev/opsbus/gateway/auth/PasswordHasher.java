package dev.opsbus.gateway.auth;

import at.favre.lib.crypto.bcrypt.BCrypt;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;

/**
 * Salted bcrypt password hashes (at.favre bcrypt). Hashing is deliberately slow, so it always runs
 * on a worker thread, never on the event loop.
 */
public final class PasswordHasher {

  /** Cost 10: about 50-100 ms per hash on this class of machine. */
  public static final int COST = 10;

  /**
   * A hash of a random password, compared against when the user does not exist, so timing does not
   * tell. In a holder class: it is computed on first use, on a worker thread, not when the gateway
   * loads this class on its event loop.
   */
  private static final class Dummy {
    static final String HASH = BCrypt.withDefaults().hashToString(COST, "opsbus-no-such-user".toCharArray());
  }

  private final Vertx vertx;

  public PasswordHasher(Vertx vertx) {
    this.vertx = vertx;
  }

  public Future<String> hash(String password) {
    return vertx.executeBlocking(() -> BCrypt.withDefaults().hashToString(COST, password.toCharArray()), false);
  }

  /** Whether {@code password} matches {@code hash}; with a null hash it still spends the time, then says no. */
  public Future<Boolean> verify(String password, String hash) {
    return vertx.executeBlocking(() -> {
      boolean ok = BCrypt.verifyer().verify(password.getBytes(StandardCharsets.UTF_8),
          (hash == null ? Dummy.HASH : hash).getBytes(StandardCharsets.UTF_8)).verified;
      return ok && hash != null;
    }, false);
  }
}
