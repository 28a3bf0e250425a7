package dev.opsbus.gateway.bridge;

import dev.opsbus.gateway.auth.AccessPolicy;
import dev.opsbus.gateway.auth.TokenService;
import dev.opsbus.model.PermissionRules;
import dev.opsbus.model.ResourceGuard;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;

/**
 * What every connection of a bridge works with, the same for all of them: its limits, the
 * permission rules and the guard answering their resource checks, the token verifier, the
 * subscription index and the bus; who may use which address ({@code access}: the rules, and
 * service keys' grants) and serve which ({@code serve}).
 */
record BridgeContext(BridgeLimits limits, PermissionRules rules, ResourceGuard guard, TokenService tokens,
    SubscriptionIndex index, EventBus bus, Vertx vertx, AccessPolicy access, ServePolicy serve) {
}
