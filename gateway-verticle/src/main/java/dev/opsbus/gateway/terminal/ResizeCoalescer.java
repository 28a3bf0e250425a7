package dev.opsbus.gateway.terminal;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * Resizes of one terminal socket, coalesced: at most one resize request is on its way to the relay
 * at a time, and they go at least {@value #MIN_INTERVAL_MS} ms apart; sizes asked for meanwhile
 * collapse into the latest. A window dragged by its corner (hundreds of resizes) becomes a few
 * {@code resized} events for everyone, ending at the size the browser settled on.
 */
final class ResizeCoalescer {

  static final long MIN_INTERVAL_MS = 100;

  private final Vertx vertx;
  private final BiFunction<Integer, Integer, Future<?>> send;
  private final Consumer<Throwable> failed;
  private int[] wanted;
  private boolean busy;
  private long lastSentNanos;
  private long timer = -1;

  ResizeCoalescer(Vertx vertx, BiFunction<Integer, Integer, Future<?>> send, Consumer<Throwable> failed) {
    this.vertx = vertx;
    this.send = send;
    this.failed = failed;
  }

  void resize(int cols, int rows) {
    wanted = new int[] {cols, rows};
    next();
  }

  private void next() {
    if (busy || wanted == null || timer >= 0) {
      return;
    }
    long waitMs = MIN_INTERVAL_MS - (System.nanoTime() - lastSentNanos) / 1_000_000L;
    if (lastSentNanos != 0 && waitMs > 0) {
      timer = vertx.setTimer(waitMs, t -> {
        timer = -1;
        next();
      });
      return;
    }
    int[] size = wanted;
    wanted = null;
    busy = true;
    lastSentNanos = System.nanoTime();
    send.apply(size[0], size[1]).onComplete(ar -> {
      busy = false;
      if (ar.failed()) {
        failed.accept(ar.cause());
      }
      next();
    });
  }

  /** The socket is gone: nothing more is sent. */
  void stop() {
    wanted = null;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }
}
