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
 */
public record ServiceKey(String name, Set<Role> roles, Set<String> hosts, KeyGrants grants, String createdBy,
    Instant createdAt, Instant lastUsedAt, Instant revokedAt) {

  public static final String PRINCIPAL_PREFIX = "key:";

  public ServiceKey {
    roles = Set.copyOf(roles);
    hosts = Set.copyOf(hosts);
    grants = grants == null ? KeyGrants.NONE : grants;
  }

  /** Who the key acts as: it does not expire; revocation cuts it (see {@link ServiceKeys}). */
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

  /** The listing form: everything but the secret. */
  public JsonObject toJson() {
    return Json.toJsonObject(this).put("revoked", revoked()).put("principal", principalName(name));
  }
}
