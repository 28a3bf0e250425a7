package dev.opsbus.gateway.servicekeys;

import dev.opsbus.model.Json;
import dev.opsbus.model.Principal;
import dev.opsbus.model.Role;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Set;

/**
 * A stored service key, without its secret (only the secret's SHA-256 is stored, and it never
 * leaves {@link ServiceKeyStore}). Its principal is named {@code key:<name>}: a user name cannot
 * hold ':', so a key is never mistaken for a user, and services on the bus see which key asked.
 * {@code expiresAt} is null for a key that does not expire.
 */
public record ServiceKey(String name, Set<Role> roles, Set<String> hosts, KeyGrants grants, String createdBy,
    Instant createdAt, Instant lastUsedAt, Instant revokedAt, Instant expiresAt) {

  public static final String PRINCIPAL_PREFIX = "key:";

  public ServiceKey {
    roles = Set.copyOf(roles);
    hosts = Set.copyOf(hosts);
    grants = grants == null ? KeyGrants.NONE : grants;
  }

  /**
   * Who the key acts as. The principal carries no expiry of its own (a token's expiry would be told
   * as {@code token_expired}): {@link ServiceKeys} refuses and cuts an expired key as {@code key_expired}.
   */
  public Principal principal() {
    return new Principal(principalName(name), roles, hosts, null);
  }

  public static String principalName(String keyName) {
    return PRINCIPAL_PREFIX + keyName;
  }

  /** The key's name when the principal is a service key, else null. */
  public static String keyNameOf(Principal p) {
    return p != null && p.username().startsWith(PRINCIPAL_PREFIX) ? p.username().substring(PRINCIPAL_PREFIX.length()) : null;
  }

  public boolean revoked() {
    return revokedAt != null;
  }

  public boolean expired(Instant now) {
    return expiresAt != null && !now.isBefore(expiresAt);
  }

  /** The listing form: everything but the secret. */
  public JsonObject toJson() {
    return Json.toJsonObject(this).put("revoked", revoked()).put("expired", expired(Instant.now())).put("principal", principalName(name));
  }
}
