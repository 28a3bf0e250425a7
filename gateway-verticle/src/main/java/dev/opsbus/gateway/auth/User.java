package dev.opsbus.gateway.auth;

import dev.opsbus.model.Role;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Set;

/**
 * A stored user. The password hash never leaves the gateway: {@link #toJson()} leaves it out.
 *
 * @param disabled the user may not log in or refresh a token (roles and grants are kept)
 * @param tokenVersion the version its new tokens carry; tokens below it are revoked
 */
public record User(String username, String passwordHash, Set<Role> roles, Set<String> hosts, Instant createdAt, Instant updatedAt,
    boolean disabled, long tokenVersion) {

  public User {
    roles = Set.copyOf(roles);
    hosts = Set.copyOf(hosts);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("username", username)
        .put("roles", new JsonArray(roles.stream().map(Role::wireName).sorted().toList()))
        .put("hosts", new JsonArray(hosts.stream().sorted().toList()))
        .put("createdAt", createdAt == null ? null : createdAt.toString())
        .put("updatedAt", updatedAt == null ? null : updatedAt.toString())
        .put("disabled", disabled);
  }
}
