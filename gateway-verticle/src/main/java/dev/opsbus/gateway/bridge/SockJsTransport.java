package dev.opsbus.gateway.bridge;

import dev.opsbus.gateway.bridge.sockjs.SockJsSession;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;

/**
 * A SockJS session (any of its transports: WebSocket, streaming, polling) as a bridge transport. A
 * close carries the bridge's code and reason to the client in SockJS's close frame, after the err
 * frame written just before it.
 */
final class SockJsTransport implements BridgeTransport {

  static final String KIND = "sockjs";

  private final SockJsSession session;

  SockJsTransport(SockJsSession session) {
    this.session = session;
  }

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public void write(String frame) {
    session.write(frame);
  }

  /** The message's SockJS form is made once for every session it goes to (the JSON escaped once). */
  @Override
  public void write(Delivery delivery) {
    session.writeQuoted(delivery.sockJsQuoted());
  }

  @Override
  public boolean writeQueueFull() {
    return session.writeQueueFull();
  }

  @Override
  public void drainHandler(Handler<Void> handler) {
    session.drainHandler(handler);
  }

  @Override
  public void dataHandler(Handler<Buffer> handler) {
    session.handler(handler);
  }

  @Override
  public void activityHandler(Handler<Void> handler) {
    session.activityHandler(handler);
  }

  @Override
  public void closeHandler(Handler<Void> handler) {
    session.closeHandler(handler);
  }

  @Override
  public void close(int statusCode, String reason) {
    session.close(statusCode, reason);
  }

  @Override
  public String remoteAddress() {
    return session.remoteAddress();
  }
}
