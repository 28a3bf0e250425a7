package dev.opsbus.gateway.bridge.sockjs;

import io.vertx.core.Handler;

/**
 * Where a session's frames go right now: its WebSocket, a streaming response, or one poll. A session
 * has at most one; polling and streaming clients bring a new one after each ends.
 */
interface Receiver {

  /** Writes one SockJS frame ({@code o}, {@code h}, {@code a[...]} or {@code c[...]}). */
  void send(String frame);

  /** True once this receiver takes no more frames: a poll that answered, a stream past its byte budget. */
  boolean done();

  boolean writeQueueFull();

  void drainHandler(Handler<Void> handler);

  /** Ends it after its last frame: the response ends, or the WebSocket closes with this code and reason. */
  void end(int code, String reason);
}
