package dev.opsbus.gateway.terminal;

import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;

/**
 * The rate limit of a terminal socket's inbound frames (keystrokes, resizes): a token bucket of
 * {@value #RATE_PER_SECOND} frames per second with bursts of {@value #BURST}. A socket that runs out
 * is paused (not read) until a frame's worth has refilled: a flood is slowed to the rate by TCP flow
 * control, and no keystroke is dropped. A person typing, or a paste (one frame), never meets it.
 */
final class InputPacer {

  static final int RATE_PER_SECOND = 500;
  static final int BURST = 1000;

  private final Vertx vertx;
  private final ServerWebSocket ws;
  private double tokens = BURST;
  private long last = System.nanoTime();
  private long timer = -1;
  private long pauses;

  InputPacer(Vertx vertx, ServerWebSocket ws) {
    this.vertx = vertx;
    this.ws = ws;
  }

  /** One inbound frame arrived (it is handled); past the rate, the socket waits before the next. */
  void took() {
    long now = System.nanoTime();
    tokens = Math.min(BURST, tokens + (now - last) * (RATE_PER_SECOND / 1e9));
    last = now;
    tokens -= 1;
    if (tokens < 0 && timer < 0) {
      pauses++;
      ws.pause();
      long waitMs = Math.max(1, (long) Math.ceil(-tokens * 1000.0 / RATE_PER_SECOND));
      timer = vertx.setTimer(waitMs, t -> {
        timer = -1;
        ws.resume();
      });
    }
  }

  /** How many times the socket was paused for going too fast. */
  long pauses() {
    return pauses;
  }

  void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }
}
