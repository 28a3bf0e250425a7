package dev.opsbus.model.db;

import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.sqlclient.ClosedConnectionException;
import io.vertx.sqlclient.DatabaseException;
import java.net.ConnectException;
import java.net.SocketException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;
import java.util.concurrent.TimeoutException;

/**
 * Tells a database that is away (refusing connections, restarting, paused, dropping them) from a
 * request the database refused on its merits. The first is {@link ErrorCode#STORE_UNAVAILABLE} on
 * every surface, a 503 with {@code Retry-After} over HTTP: the caller should simply try again.
 */
public final class StoreFailures {

  /** What HTTP answers carry in {@code Retry-After} while the database is away, in seconds. */
  public static final int RETRY_AFTER_SECONDS = 2;

  private StoreFailures() {
  }

  /** True when {@code err} (or a cause) says the database could not be reached or went away mid-request. */
  public static boolean isStoreDown(Throwable err) {
    for (Throwable t = err; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof OpsbusException oe) {
        return oe.code() == ErrorCode.STORE_UNAVAILABLE;
      }
      if (t instanceof ReplyException re) {
        // another service's answer: it says so itself
        return re.failureType() == ReplyFailure.RECIPIENT_FAILURE
            && ErrorCode.fromFailureCode(re.failureCode()) == ErrorCode.STORE_UNAVAILABLE;
      }
      if (t instanceof ClosedConnectionException || t instanceof ConnectException || t instanceof ClosedChannelException
          || t instanceof SocketException || t instanceof TimeoutException) {
        return true;
      }
      if (t instanceof DatabaseException de && de.getSqlState() != null) {
        String state = de.getSqlState();
        // 08: connection exceptions; 57P01-57P03: admin shutdown, crash shutdown, cannot connect now
        return state.startsWith("08") || state.startsWith("57P");
      }
      String m = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
      if (m.contains("connection refused") || m.contains("connection reset") || m.contains("connection may have been lost")
          || m.contains("connection is closed") || m.contains("timeout while waiting for connection")) {
        return true;
      }
    }
    return false;
  }

  /** {@code err} as {@code store_unavailable} when it says the database is away, else unchanged. */
  public static Throwable classify(Throwable err) {
    if (err instanceof OpsbusException || !isStoreDown(err)) {
      return err;
    }
    return unavailable(err);
  }

  public static OpsbusException unavailable(Throwable cause) {
    return new OpsbusException(ErrorCode.STORE_UNAVAILABLE,
        "the database is unavailable right now (" + (cause == null ? "no answer" : cause.getClass().getSimpleName())
            + "): try again in a few seconds");
  }
}
