package dev.opsbus.gateway.http;

import dev.opsbus.model.BusFailures;
import dev.opsbus.model.BusIdentity;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.Principal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;

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
    return vertx.eventBus().<T>request(address, body, opts).map(Message::body).recover(err -> BusFailures.explained(err, serviceName));
  }
}
