package dev.opsbus.gateway.loops;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;

/**
 * Which event loop runs something, and running on the right one. A socket, and what belongs to it
 * alone, lives on the loop that accepted it (see {@code AcceptLoops}); another loop that must touch
 * it hands the work over. Loops are told apart by their root context: a request's handlers run on
 * a duplicate of the server's context, the same loop.
 */
public final class Loops {

  private Loops() {
  }

  /** The root context of the calling thread's loop, or null off any Vert.x context. */
  public static Context current() {
    return root(Vertx.currentContext());
  }

  /** {@code context} without its duplicate wrapping (null stays null). */
  public static Context root(Context context) {
    return context instanceof ContextInternal c ? c.unwrap() : context;
  }

  /** Runs {@code task} now when called on {@code loop} (or when it is null), else as a task of that loop. */
  public static void run(Context loop, Runnable task) {
    if (loop == null || current() == loop) {
      task.run();
    } else {
      loop.runOnContext(v -> task.run());
    }
  }
}
