package dev.opsbus.gateway.servicekeys;

import dev.opsbus.model.AddressPattern;
import dev.opsbus.model.Direction;
import dev.opsbus.model.PermissionRule;
import dev.opsbus.model.PermissionRules;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * The rules the {@code services} section adds after the configured ones: each service namespace
 * ({@code svc.{service}.{method}}) may be requested and sent to by the caller roles. Who serves
 * there is decided by service keys' {@code serve} grants, not by a rule.
 */
public final class ServiceRules {

  private ServiceRules() {
  }

  public static PermissionRules withRules(PermissionRules rules, ServiceSettings settings) {
    List<PermissionRule> all = new ArrayList<>(rules.rules());
    for (AddressPattern ns : settings.namespacePatterns()) {
      all.add(new PermissionRule(ns, EnumSet.of(Direction.REQUEST, Direction.SEND), settings.callerRoles(), List.of(), null));
    }
    return new PermissionRules(all);
  }
}
