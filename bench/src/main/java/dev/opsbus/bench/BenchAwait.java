package dev.opsbus.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waits for a bench step from a plain thread (never an event loop), with a timeout and the step's own failure. */
final class BenchAwait {

  private BenchAwait() {
  }

  /**
   * @param who names the caller in the error thrown when it is called on an event loop
   */
  static <T> T await(Future<T> f, double timeoutSeconds, String who) throws Exception {
    if (Vertx.currentContext() != null && Vertx.currentContext().isEventLoopContext()) {
      throw new IllegalStateException(who + " must not run on an event loop");
    }
    try {
      return f.toCompletionStage().toCompletableFuture().get((long) (timeoutSeconds * 1000), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof Exception ex ? ex : e;
    } catch (TimeoutException e) {
      throw new TimeoutException("bench step did not finish within " + timeoutSeconds + " s");
    }
  }
}
