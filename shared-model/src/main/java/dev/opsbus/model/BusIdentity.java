package dev.opsbus.model;

import io.vertx.core.MultiMap;
import io.vertx.core.eventbus.DeliveryOptions;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Who asked, as it travels on the bus: the gateway stamps {@code opsbus-user}, {@code opsbus-roles}
 * and {@code opsbus-hosts} on every message it forwards for a user (clients can never set them),
 * and services read them back here. A message without them comes from inside the cluster.
 */
public final class BusIdentity {

  public static final String USER = "opsbus-user";
  public static final String ROLES = "opsbus-roles";
  public static final String HOSTS = "opsbus-hosts";

  private BusIdentity() {
  }

  public static DeliveryOptions stamp(DeliveryOptions opts, Principal p) {
    return opts.addHeader(USER, p.username())
        .addHeader(ROLES, p.roles().stream().map(Role::wireName).sorted().collect(Collectors.joining(",")))
        .addHeader(HOSTS, p.hosts().stream().sorted().collect(Collectors.joining(",")));
  }

  /** The user behind a message, or null for a message from inside the cluster (no identity headers). */
  public static Principal of(MultiMap headers) {
    String user = headers.get(USER);
    if (user == null || user.isEmpty()) {
      return null;
    }
    Set<Role> roles = new LinkedHashSet<>();
    for (String r : split(headers.get(ROLES))) {
      try {
        roles.add(Role.parse(r));
      } catch (IllegalArgumentException ignored) {
        // an unknown role grants nothing
      }
    }
    return new Principal(user, roles, split(headers.get(HOSTS)), null);
  }

  /** Copies the identity headers onto a message a service forwards for the same caller. */
  public static void copy(MultiMap from, MultiMap to) {
    for (String h : new String[] {USER, ROLES, HOSTS}) {
      String v = from.get(h);
      if (v != null) {
        to.set(h, v);
      }
    }
  }

  private static Set<String> split(String csv) {
    if (csv == null || csv.isBlank()) {
      return Set.of();
    }
    return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toCollection(LinkedHashSet::new));
  }
}
