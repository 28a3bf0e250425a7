package dev.opsbus.gateway.http;

import dev.opsbus.model.ErrorCode;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * Requests the HTTP decoder could not read (a request line or headers over the server's bounds, a
 * malformed head) never reach the router. Vert.x answers them with a bare status; here they get the
 * one error form every other refusal has ({@code {"error","message"}}, JSON, no-store), then the
 * connection is closed, since what follows on it cannot be trusted to start a request.
 */
public final class InvalidRequests {

  private InvalidRequests() {
  }

  public static void handle(HttpServerRequest request) {
    DecoderResult result = request.decoderResult();
    Throwable cause = result == null ? null : result.cause();
    int status;
    ErrorCode code;
    String message;
    if (cause instanceof TooLongHttpLineException) {
      status = 414;
      code = ErrorCode.TOO_LARGE;
      message = "the request line (method, path and query) is too long";
    } else if (cause instanceof TooLongHttpHeaderException) {
      status = 431;
      code = ErrorCode.TOO_LARGE;
      message = "the request headers are too large";
    } else {
      status = 400;
      code = ErrorCode.INVALID_REQUEST;
      message = "the request could not be read as HTTP";
    }
    HttpServerResponse response = request.response();
    SecurityHeaders.apply(response);
    response.setStatusCode(status)
        .putHeader("content-type", "application/json")
        .putHeader("connection", "close")
        .end(new JsonObject().put("error", code.wireName()).put("message", message).encode())
        .onComplete(done -> request.connection().close());
  }
}
