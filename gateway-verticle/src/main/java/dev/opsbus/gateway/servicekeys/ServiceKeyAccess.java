package dev.opsbus.gateway.servicekeys;

import dev.opsbus.gateway.auth.AccessPolicy;
import dev.opsbus.gateway.bridge.ServePolicy;
import dev.opsbus.model.AddressPattern;
import dev.opsbus.model.Decision;
import dev.opsbus.model.Direction;
import dev.opsbus.model.PermissionRule;
import dev.opsbus.model.Principal;
import dev.opsbus.model.Role;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The rules first, for users and keys alike (a key has roles and host grants as a user does); then,
 * for a service key, its own grants: publish, send and request as granted, and serving only inside
 * the config's service namespaces, so no key can take over an address the cluster itself answers.
 */
public final class ServiceKeyAccess implements AccessPolicy, ServePolicy {

  /** What a use allowed by a key's grant reports as its rule: no replay, no resource checks. */
  static final PermissionRule GRANTED = new PermissionRule(AddressPattern.of("service-key-grant"),
      EnumSet.of(Direction.PUBLISH, Direction.SEND, Direction.REQUEST), Set.of(Role.SERVICE), List.of(), null);

  private final AccessPolicy rules;
  private final ServiceKeys keys;
  private final List<AddressPattern> namespaces;

  public ServiceKeyAccess(AccessPolicy rules, ServiceKeys keys, List<AddressPattern> namespaces) {
    this.rules = rules;
    this.keys = keys;
    this.namespaces = List.copyOf(namespaces);
  }

  @Override
  public Decision check(Principal principal, Direction direction, String address) {
    Decision d = rules.check(principal, direction, address);
    if (d.allowed() || direction == Direction.SUBSCRIBE) {
      return d;
    }
    KeyGrants g = keys.grantsOf(principal);
    return g != null && g.allows(direction, address) ? Decision.allow(GRANTED) : d;
  }

  @Override
  public boolean mayServe(Principal principal, String address) {
    KeyGrants g = keys.grantsOf(principal);
    return g != null && g.serves(address) && inNamespace(address);
  }

  public boolean inNamespace(String address) {
    for (AddressPattern ns : namespaces) {
      if (ns.matches(address)) {
        return true;
      }
    }
    return false;
  }
}
