package dev.opsbus.gateway.bridge;

import dev.opsbus.gateway.auth.TokenRevocations;
import dev.opsbus.model.ErrorCode;
import java.util.HashMap;
import java.util.Map;

/**
 * The bridge's side of revocation: each logged-in connection holds a {@link TokenRevocations.Watch}
 * on the token it carries (renewed with every new token). When that token is revoked, on any node,
 * the connection gets an err frame {@code token_revoked} and is closed (1008), as at token expiry.
 */
final class RevocationWatches {

  private final TokenRevocations revocations;
  /** Changed from every connection's loop. */
  private final Map<BridgeConnection, TokenRevocations.Watch> watches = new java.util.concurrent.ConcurrentHashMap<>();

  RevocationWatches(TokenRevocations revocations) {
    this.revocations = revocations;
  }

  /** The connection logged in or renewed its token. */
  void watch(BridgeConnection conn) {
    long version = conn.tokenVersion();
    TokenRevocations.Watch w = watches.get(conn);
    if (w != null) {
      w.renew(version);
      return;
    }
    watches.put(conn, revocations.watch(conn.principal().username(), version,
        e -> conn.closeWith(ErrorCode.TOKEN_REVOKED, e.getMessage(), BridgeConnection.CLOSE_POLICY)));
  }

  /** The connection is gone. */
  void forget(BridgeConnection conn) {
    TokenRevocations.Watch w = watches.remove(conn);
    if (w != null) {
      w.cancel();
    }
  }
}
