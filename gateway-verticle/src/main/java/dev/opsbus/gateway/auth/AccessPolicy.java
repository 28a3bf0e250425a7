package dev.opsbus.gateway.auth;

import dev.opsbus.model.Decision;
import dev.opsbus.model.Direction;
import dev.opsbus.model.PermissionRules;
import dev.opsbus.model.Principal;
import dev.opsbus.model.ResourceGuard;

/**
 * May this principal use this address this way: the one question every way onto the bus (bridge
 * over WebSocket, SockJS and TCP, HTTP publish and request) asks. By default the permission rules
 * answer it; service keys add their own grants (see {@code servicekeys.ServiceKeyAccess}).
 */
@FunctionalInterface
public interface AccessPolicy {

  Decision check(Principal principal, Direction direction, String address);

  /** The rules alone, with {@code guard} answering their resource checks. */
  static AccessPolicy of(PermissionRules rules, ResourceGuard guard) {
    return (p, d, a) -> rules.check(p, d, a, guard);
  }
}
