package dev.opsbus.model;

import java.time.Instant;
import java.util.Set;

/**
 * Who is asking: the user behind a token, with roles and host grants. {@code hosts} holds host ids
 * or {@code "*"} for all hosts; admins may access every host whatever their grants say.
 *
 * @param expiresAt when the credential that proved this identity stops being valid (null: never,
 *     for in-process callers)
 */
public record Principal(String username, Set<Role> roles, Set<String> hosts, Instant expiresAt) {

  public static final String ALL_HOSTS = "*";

  public Principal {
    roles = Set.copyOf(roles);
    hosts = Set.copyOf(hosts);
  }

  public boolean hasRole(Role role) {
    return roles.contains(role);
  }

  public boolean hasAnyRole(Set<Role> wanted) {
    for (Role r : roles) {
      if (wanted.contains(r)) {
        return true;
      }
    }
    return false;
  }

  public boolean mayAccessHost(String hostId) {
    return roles.contains(Role.ADMIN) || hosts.contains(ALL_HOSTS) || hosts.contains(hostId);
  }

  public boolean isExpired(Instant now) {
    return expiresAt != null && !now.isBefore(expiresAt);
  }
}
