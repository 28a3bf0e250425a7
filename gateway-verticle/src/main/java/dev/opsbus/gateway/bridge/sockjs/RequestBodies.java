package dev.opsbus.gateway.bridge.sockjs;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;

/** Reads a request body up to a bound, refusing past it without reading the rest. */
final class RequestBodies {

  private RequestBodies() {
  }

  /**
   * @param body the whole body, at most {@code limit} bytes
   * @param tooLarge the size announced or read so far, once it passes {@code limit}
   * @param invalid a sentence, when the request cannot be read as a body at all
   */
  static void read(HttpServerRequest req, int limit, Handler<Buffer> body, Handler<Long> tooLarge, Handler<String> invalid) {
    String announced = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (announced != null) {
      long n;
      try {
        n = Long.parseLong(announced.trim());
      } catch (NumberFormatException e) {
        invalid.handle("Content-Length is not a number");
        return;
      }
      if (n < 0) {
        invalid.handle("Content-Length is negative");
        return;
      }
      if (n > limit) {
        tooLarge.handle(n);
        return;
      }
    }
    if (req.isEnded()) {
      // the gateway's handshake pauses a POST while it checks the token, so this means a bug there
      invalid.handle("the request body was consumed before it could be read");
      return;
    }
    Buffer buf = Buffer.buffer(announced == null ? 256 : (int) Long.parseLong(announced.trim()));
    boolean[] over = {false};
    req.handler(chunk -> {
      if (over[0]) {
        return;
      }
      if ((long) buf.length() + chunk.length() > limit) {
        over[0] = true;
        tooLarge.handle((long) buf.length() + chunk.length());
        return;
      }
      buf.appendBuffer(chunk);
    });
    req.endHandler(v -> {
      if (!over[0]) {
        body.handle(buf);
      }
    });
    req.resume();
  }
}
