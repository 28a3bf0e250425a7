package dev.opsbus.operations;

import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.Principal;

/**
 * Whose an idempotency key is. A key is looked up and stored under a scope together with the host
 * and the type, so a key given by one caller never finds, returns or blocks another's operation:
 *
 * <ul>
 *   <li>a user or service account (a message stamped with an identity, over HTTP or the bridge
 *       alike): {@code user:<name>};</li>
 *   <li>a start from inside the cluster (no identity: a schedule, a service verticle):
 *       {@code cluster:<creator>}, such as {@code cluster:cron}. The gateway stamps every message it
 *       forwards with the caller's identity and drops any a client sends, so no user can reach
 *       this namespace, and no user can claim a schedule's key.</li>
 * </ul>
 */
final class IdempotencyScope {

  /** Longest key a caller may give. */
  static final int MAX_KEY_LENGTH = 200;

  private IdempotencyScope() {
  }

  /** The scope of a start by {@code caller} (null: from inside the cluster) created as {@code createdBy}. */
  static String of(Principal caller, String createdBy) {
    return caller != null ? "user:" + caller.username() : "cluster:" + createdBy;
  }

  /** The key as given, checked: null stays null; blank or too long is {@code invalid_request}. */
  static String key(String key) {
    if (key == null) {
      return null;
    }
    if (key.isBlank() || key.length() > MAX_KEY_LENGTH) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "idempotencyKey: 1 to " + MAX_KEY_LENGTH + " characters");
    }
    return key;
  }
}
