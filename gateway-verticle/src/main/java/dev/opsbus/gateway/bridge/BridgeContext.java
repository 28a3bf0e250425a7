package dev.opsbus.gateway.bridge;

import dev.opsbus.gateway.auth.TokenService;
import dev.opsbus.model.PermissionRules;
import dev.opsbus.model.ResourceGuard;
import io.vertx.core.eventbus.EventBus;

/**
 * What every connection of a bridge works with, the same for all of them: its limits, the
 * permission rules and the guard answering their resource checks, the token verifier, the
 * subscription index and the bus.
 */
record BridgeContext(BridgeLimits limits, PermissionRules rules, ResourceGuard guard, TokenService tokens,
    SubscriptionIndex index, EventBus bus) {
}
