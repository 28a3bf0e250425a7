package dev.opsbus.gateway.http;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.BusFailures;
import dev.opsbus.model.BusRetry;
import dev.opsbus.model.BusIdentity;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.Principal;
import dev.opsbus.model.wire.StartOperation;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/**
 * HTTP handlers asking a service on the bus on behalf of a user: the request carries who is
 * asking, and a failure comes back as an {@link OpsbusException} read by {@link BusFailures}: the
 * service's own code, or {@code no_handler} / {@code timeout} when nobody serves the address or
 * answers in time, as the bridge says too.
 */
public final class BusCalls {

  private final Vertx vertx;
  private final long timeoutMs;

  public BusCalls(Vertx vertx, long timeoutMs) {
    this.vertx = vertx;
    this.timeoutMs = timeoutMs;
  }

  public <T> Future<T> request(String address, Object body, Principal principal, String serviceName) {
    DeliveryOptions opts = BusIdentity.stamp(new DeliveryOptions().setSendTimeout(timeoutMs), principal);
    Future<Message<T>> asked = idempotent(address, body)
        // safe to ask again: a node that just died costs one short attempt, not the whole timeout
        ? BusRetry.request(vertx.eventBus(), address, body, opts, Math.min(timeoutMs, BusRetry.ATTEMPT_TIMEOUT_MS))
        : vertx.eventBus().request(address, body, opts);
    return asked.map(Message::body).recover(err -> BusFailures.explained(err, serviceName));
  }

  /** Lists, gets and a start that carries its idempotency key: asking twice gives the same answer. */
  static boolean idempotent(String address, Object body) {
    if (BusRetry.IDEMPOTENT.contains(address)) {
      return true;
    }
    return Addresses.OPS_START.equals(address) && body instanceof JsonObject o && StartOperation.parse(o).idempotencyKey() != null;
  }
}
