package dev.opsbus.gateway.bridge;

import dev.opsbus.model.Principal;

/**
 * Whether a client may serve an address: register it as a request handler, receive each request
 * with a reply address and answer it. Decided by service keys (see {@code servicekeys.ServiceKeyAccess});
 * nobody serves by default.
 */
@FunctionalInterface
public interface ServePolicy {

  ServePolicy NONE = (p, address) -> false;

  boolean mayServe(Principal principal, String address);
}
