package dev.opsbus.gateway.terminal;

import dev.opsbus.gateway.auth.TokenRevocations;
import dev.opsbus.gateway.auth.TokenService;
import dev.opsbus.gateway.auth.TokenVersion;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.Principal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * The token behind one terminal WebSocket, kept honest for as long as the socket is open: the
 * socket ends ({@code token_expired}) when the token runs out, unless the browser renews it first
 * with a {@code {"type": "token", "token": "<jwt>"}} text frame, and it ends ({@code
 * token_revoked}) within seconds when the token is revoked on any node (logout, deletion, a change of
 * roles, grants or password; see {@link TokenRevocations}). This is what the bridge does for its
 * connections; the socket itself only hooks in.
 */
final class TerminalToken {

  private final Vertx vertx;
  private final TokenService tokens;
  private final TokenRevocations revocations;
  private Principal principal;
  private String token;
  private Consumer<OpsbusException> onEnd;
  private TokenRevocations.Watch watch;
  private long expiryTimer = -1;
  private boolean stopped;

  TerminalToken(Vertx vertx, TokenService tokens, TokenRevocations revocations, Principal principal, String token) {
    this.vertx = vertx;
    this.tokens = tokens;
    this.revocations = revocations;
    this.principal = principal;
    this.token = token;
  }

  Principal principal() {
    return principal;
  }

  /** Watches the token from now on; {@code onEnd} is told once, with why, when it stops being good. */
  void start(Consumer<OpsbusException> onEnd) {
    this.onEnd = onEnd;
    watch = revocations.watch(principal.username(), TokenVersion.of(token), this::end);
    armExpiry();
  }

  /**
   * A newer token of the same user: from now on the socket lives by it. A token that does not verify,
   * or names another user, is refused and the old one still holds until it runs out.
   */
  Future<Principal> renew(String presented) {
    if (presented == null || presented.isBlank()) {
      return Future.failedFuture(new OpsbusException(ErrorCode.INVALID_REQUEST, "a token frame needs a 'token' string"));
    }
    return tokens.verify(presented).compose(p -> {
      if (stopped) {
        return Future.failedFuture(new OpsbusException(ErrorCode.SESSION_CLOSED, "the terminal socket is closed"));
      }
      if (!p.username().equals(principal.username())) {
        return Future.failedFuture(new OpsbusException(ErrorCode.ACCESS_DENIED, "a terminal socket cannot change user: open a new one"));
      }
      principal = p;
      token = presented;
      watch.renew(TokenVersion.of(presented));
      armExpiry();
      return Future.succeededFuture(p);
    });
  }

  void stop() {
    stopped = true;
    if (watch != null) {
      watch.cancel();
    }
    cancelExpiry();
  }

  private void armExpiry() {
    cancelExpiry();
    Instant expiresAt = principal.expiresAt();
    if (expiresAt == null) {
      return;
    }
    long ms = Math.max(1, Duration.between(Instant.now(), expiresAt).toMillis());
    expiryTimer = vertx.setTimer(ms, t -> {
      expiryTimer = -1;
      end(new OpsbusException(ErrorCode.TOKEN_EXPIRED, "the token expired: log in again, or renew the token on this socket before it runs out"));
    });
  }

  private void cancelExpiry() {
    if (expiryTimer >= 0) {
      vertx.cancelTimer(expiryTimer);
      expiryTimer = -1;
    }
  }

  private void end(OpsbusException why) {
    if (stopped) {
      return;
    }
    stop();
    onEnd.accept(why);
  }
}
