package dev.opsbus.gateway.auth;

import dev.opsbus.model.Principal;
import io.vertx.core.Future;

/** Whether a token that verified is still good: its user exists and its version is current. */
@FunctionalInterface
public interface RevocationCheck {

  /** The principal again, or a failed future with {@code token_revoked}. */
  Future<Principal> admit(Principal principal, long tokenVersion);
}
