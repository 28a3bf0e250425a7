package dev.opsbus.model;

import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.Set;

/**
 * Requests that are safe to ask twice (a list, a get, a replay, a start with its idempotency key),
 * asked with a short timeout per attempt and asked again when the first attempt went nowhere: no
 * answer in time, or the message could not be delivered. The event bus hands each attempt to the
 * next consumer of the address in turn, so when a node has just died (and the cluster has not yet
 * dropped its consumers) the next attempt reaches a live node instead of the whole request waiting
 * out one long timeout on the dead one. A service's own refusal is never retried.
 */
public final class BusRetry {

  /** Each attempt waits at most this long for its answer. */
  public static final long ATTEMPT_TIMEOUT_MS = 3_000;
  /** Attempts in all, the first included. */
  public static final int ATTEMPTS = 4;

  /** The request addresses whose requests change nothing, so a second attempt is harmless. */
  public static final Set<String> IDEMPOTENT = Set.of(Addresses.OPS_GET, Addresses.OPS_LIST, Addresses.OPS_TYPES,
      Addresses.ACTIVITY_LIST, Addresses.SSH_LIST, Addresses.RECORDINGS_LIST, Addresses.RECORDINGS_READ);

  private BusRetry() {
  }

  /**
   * Asks {@code address}, up to {@link #ATTEMPTS} times with {@code attemptTimeoutMs} each, as long
   * as the attempts go unanswered (timeout or undeliverable). {@code options}' own timeout is
   * replaced by the attempt timeout; its headers are kept.
   */
  public static <T> Future<Message<T>> request(EventBus bus, String address, Object body, DeliveryOptions options, long attemptTimeoutMs) {
    DeliveryOptions each = new DeliveryOptions(options).setSendTimeout(attemptTimeoutMs);
    return attempt(bus, address, body, each, ATTEMPTS);
  }

  private static <T> Future<Message<T>> attempt(EventBus bus, String address, Object body, DeliveryOptions options, int left) {
    return bus.<T>request(address, body, options).recover(err -> left > 1 && unanswered(err)
        ? attempt(bus, address, body, options, left - 1)
        : Future.failedFuture(err));
  }

  /** True when the request went nowhere (no answer in time, or not delivered), not when a service refused it. */
  public static boolean unanswered(Throwable err) {
    return err instanceof ReplyException re && (re.failureType() == ReplyFailure.TIMEOUT || re.failureType() == ReplyFailure.ERROR);
  }
}
