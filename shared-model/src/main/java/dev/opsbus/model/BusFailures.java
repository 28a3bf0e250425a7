package dev.opsbus.model;

import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;

/**
 * The one mapping between bus failures and {@link ErrorCode}, both ways: services fail requests
 * with a code through {@link #fail}, and every caller (HTTP, the bridges, the verticles asking each
 * other) reads a failed request back with {@link #codeOf} or {@link #explain}. Nobody serving an
 * address is {@link ErrorCode#NO_HANDLER} and no answer in time is {@link ErrorCode#TIMEOUT} on
 * every surface.
 */
public final class BusFailures {

  private BusFailures() {
  }

  /** The code a failed request (or any failure) stands for. */
  public static ErrorCode codeOf(Throwable err) {
    if (err instanceof OpsbusException oe) {
      return oe.code();
    }
    if (err instanceof ReplyException re) {
      return switch (re.failureType()) {
        case NO_HANDLERS -> ErrorCode.NO_HANDLER;
        case TIMEOUT -> ErrorCode.TIMEOUT;
        default -> ErrorCode.fromFailureCode(re.failureCode());
      };
    }
    return ErrorCode.INTERNAL_ERROR;
  }

  /**
   * A failed request as an {@link OpsbusException} whose sentence names the {@code service} asked
   * when the failure is the bus's own (nobody serves it, no answer in time), and keeps the service's
   * own sentence otherwise.
   */
  public static OpsbusException explain(Throwable err, String service) {
    if (err instanceof OpsbusException oe) {
      return oe;
    }
    ErrorCode code = codeOf(err);
    return switch (code) {
      case NO_HANDLER -> new OpsbusException(code, "the " + service + " is not running on any node right now");
      case TIMEOUT -> err instanceof ReplyException re && re.failureType() == io.vertx.core.eventbus.ReplyFailure.TIMEOUT
          ? new OpsbusException(code, "the " + service + " did not answer in time")
          : new OpsbusException(code, String.valueOf(err.getMessage()));
      default -> new OpsbusException(code, err instanceof ReplyException ? String.valueOf(err.getMessage())
          : "the " + service + " failed: " + err.getMessage());
    };
  }

  /** {@link #explain} as a failed future, for {@code recover(...)}. */
  public static <T> Future<T> explained(Throwable err, String service) {
    return Future.failedFuture(explain(err, service));
  }

  /** Fails a request with a code and a sentence; a message that expects no answer is left alone. */
  public static void fail(Message<?> msg, ErrorCode code, String text) {
    if (msg.replyAddress() != null) {
      msg.fail(code.failureCode(), text);
    }
  }

  /**
   * Fails a request with what went wrong: an {@link OpsbusException} or a failed request keeps its
   * code and sentence; anything else is {@code internal_error}, prefixed with {@code context}.
   */
  public static void fail(Message<?> msg, Throwable err, String context) {
    if (err instanceof OpsbusException || err instanceof ReplyException) {
      fail(msg, codeOf(err), String.valueOf(err.getMessage()));
    } else {
      fail(msg, ErrorCode.INTERNAL_ERROR, context + ": " + err.getMessage());
    }
  }
}
