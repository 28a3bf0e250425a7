package dev.opsbus.gateway.terminal;

import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;

/**
 * How a terminal socket is turned away after its upgrade (a browser's WebSocket cannot read an HTTP
 * error body): an {@code error} text frame with the code and a sentence, as the terminal's other
 * errors, then a close whose reason is the code.
 */
final class TerminalRefusal {

  /** WebSocket close status "try again later" (RFC 6455): caps are a matter of load, not of the request. */
  static final short CLOSE_TRY_AGAIN = 1013;
  static final short CLOSE_POLICY = 1008;

  private TerminalRefusal() {
  }

  static void closeWith(ServerWebSocket ws, OpsbusException e) {
    ws.writeTextMessage(new JsonObject().put("type", "error").put("code", e.code().wireName()).put("message", e.getMessage()).encode());
    short status = e.code() == ErrorCode.TOO_MANY_CONNECTIONS || e.code() == ErrorCode.UNAVAILABLE ? CLOSE_TRY_AGAIN : CLOSE_POLICY;
    ws.close(status, e.code().wireName());
  }
}
