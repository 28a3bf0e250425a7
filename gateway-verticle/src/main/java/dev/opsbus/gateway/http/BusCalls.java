package dev.opsbus.gateway.http;

import dev.opsbus.gateway.bridge.BridgeServer;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.Principal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;

/**
 * HTTP handlers asking a service on the bus on behalf of a user: the request carries who is
 * asking, and a failure comes back as an {@link OpsbusException} with the service's own code, or
 * {@code unavailable} / {@code timeout} when nobody serves the address or answers in time.
 */
public final class BusCalls {

  private final Vertx vertx;
  private final long timeoutMs;

  public BusCalls(Vertx vertx, long timeoutMs) {
    this.vertx = vertx;
    this.timeoutMs = timeoutMs;
  }

  public <T> Future<T> request(String address, Object body, Principal principal, String serviceName) {
    DeliveryOptions opts = BridgeServer.identify(new DeliveryOptions().setSendTimeout(timeoutMs), principal);
    return vertx.eventBus().<T>request(address, body, opts).map(Message::body).recover(err -> Future.failedFuture(explain(err, serviceName)));
  }

  static Throwable explain(Throwable err, String serviceName) {
    if (err instanceof ReplyException re) {
      return switch (re.failureType()) {
        case NO_HANDLERS -> new OpsbusException(ErrorCode.UNAVAILABLE, "the " + serviceName + " is not running on any node right now");
        case TIMEOUT -> new OpsbusException(ErrorCode.TIMEOUT, "the " + serviceName + " did not answer in time");
        default -> new OpsbusException(ErrorCode.fromFailureCode(re.failureCode()), String.valueOf(re.getMessage()));
      };
    }
    return err;
  }
}
