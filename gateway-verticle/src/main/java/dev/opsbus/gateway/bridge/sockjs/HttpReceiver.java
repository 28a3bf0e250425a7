package dev.opsbus.gateway.bridge.sockjs;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;

/**
 * A receiving HTTP request of one of the SockJS fallbacks: each frame written in the transport's own
 * wrapping. A polling one answers one frame and ends; a streaming one goes on until its byte budget
 * is spent, then ends and the client opens the next.
 */
final class HttpReceiver implements Receiver {

  /** The fallbacks sockjs-client offers, each with its content type, prelude and framing. */
  enum Kind {
    XHR("xhr-polling", "application/javascript; charset=UTF-8", true),
    XHR_STREAMING("xhr-streaming", "application/javascript; charset=UTF-8", false),
    EVENTSOURCE("eventsource", "text/event-stream", false),
    HTMLFILE("htmlfile", "text/html; charset=UTF-8", false),
    JSONP("jsonp-polling", "application/javascript; charset=UTF-8", true);

    final String transportName;
    final String contentType;
    final boolean polling;

    Kind(String transportName, String contentType, boolean polling) {
      this.transportName = transportName;
      this.contentType = contentType;
      this.polling = polling;
    }
  }

  /** Some browsers show nothing of a streamed response before its first 2 KB: sockjs-client skips the h's. */
  private static final Buffer XHR_PRELUDE;

  static {
    byte[] h = new byte[2049];
    java.util.Arrays.fill(h, (byte) 'h');
    h[2048] = '\n';
    XHR_PRELUDE = Buffer.buffer(h);
  }

  private final Kind kind;
  private final HttpServerResponse response;
  private final String callback;
  private final int maxBytes;
  private boolean started;
  private boolean done;
  private int bytes;

  /** @param callback the page's callback name (htmlfile, JSONP), already checked */
  HttpReceiver(Kind kind, HttpServerResponse response, String callback, int maxBytes) {
    this.kind = kind;
    this.response = response;
    this.callback = callback;
    this.maxBytes = maxBytes;
    response.putHeader(HttpHeaders.CONTENT_TYPE, kind.contentType);
    if (kind == Kind.JSONP) {
      response.putHeader("X-Content-Type-Options", "nosniff");
    }
    response.setChunked(true);
  }

  @Override
  public void send(String frame) {
    if (done || response.ended() || response.closed()) {
      return;
    }
    if (!started) {
      started = true;
      prelude();
    }
    Buffer b = Buffer.buffer(wrap(frame));
    bytes += b.length();
    response.write(b);
    if (kind.polling || bytes >= maxBytes) {
      done = true;
    }
  }

  private void prelude() {
    switch (kind) {
      case XHR_STREAMING -> response.write(XHR_PRELUDE);
      case EVENTSOURCE -> response.write("\r\n");
      case HTMLFILE -> response.write(SockJsPages.htmlFilePrelude(callback));
      default -> {
        // polls start with their frame
      }
    }
  }

  private String wrap(String frame) {
    return switch (kind) {
      case XHR, XHR_STREAMING -> frame + "\n";
      case EVENTSOURCE -> "data: " + SockJsFrames.eventSourceData(frame) + "\r\n\r\n";
      case HTMLFILE -> "<script>\np(\"" + SockJsFrames.jsString(frame) + "\");\n</script>\r\n";
      // the comment keeps the answer from starting with bytes another content type would sniff
      case JSONP -> "/**/" + callback + "(\"" + SockJsFrames.jsString(frame) + "\");\r\n";
    };
  }

  @Override
  public boolean done() {
    return done;
  }

  @Override
  public boolean writeQueueFull() {
    return response.writeQueueFull();
  }

  @Override
  public void drainHandler(Handler<Void> handler) {
    response.drainHandler(handler);
  }

  @Override
  public void end(int code, String reason) {
    done = true;
    if (!response.ended() && !response.closed()) {
      response.end();
    }
  }
}
