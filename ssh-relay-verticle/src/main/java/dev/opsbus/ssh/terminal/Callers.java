package dev.opsbus.ssh.terminal;

import dev.opsbus.model.Principal;
import dev.opsbus.model.Role;
import io.vertx.core.MultiMap;
import java.util.HashSet;
import java.util.Set;

/**
 * Reads who is asking from the headers the gateway sets on every bridged message. The relay trusts
 * them: no rule lets a client write an {@code opsbus-*} header, the gateway strips and sets them.
 */
final class Callers {

  static final String USER = "opsbus-user";
  static final String ROLES = "opsbus-roles";
  static final String HOSTS = "opsbus-hosts";

  private Callers() {
  }

  /** The caller, or null when the message carries no user. Unknown role names are ignored. */
  static Principal from(MultiMap headers) {
    String user = headers.get(USER);
    if (user == null || user.isBlank()) {
      return null;
    }
    Set<Role> roles = new HashSet<>();
    for (String r : split(headers.get(ROLES))) {
      try {
        roles.add(Role.parse(r));
      } catch (IllegalArgumentException ignored) {
        // a role this build does not know grants nothing
      }
    }
    return new Principal(user.trim(), roles, split(headers.get(HOSTS)), null);
  }

  /** Copies the identity headers onto a message this relay forwards. */
  static void copy(MultiMap from, MultiMap to) {
    for (String h : new String[] {USER, ROLES, HOSTS}) {
      String v = from.get(h);
      if (v != null) {
        to.set(h, v);
      }
    }
  }

  private static Set<String> split(String csv) {
    Set<String> out = new HashSet<>();
    if (csv != null) {
      for (String s : csv.split(",")) {
        if (!s.isBlank()) {
          out.add(s.trim());
        }
      }
    }
    return out;
  }
}
