package dev.opsbus.gateway.bridge.sockjs;

import java.time.Duration;
import java.util.List;

/**
 * How opsbus serves SockJS.
 *
 * @param heartbeat a receiving connection that carried nothing for this long gets an {@code h} frame
 *     (keeps proxies from cutting it, and ends a long poll)
 * @param disconnectDelay a polling or streaming session with no receiving request for this long is
 *     gone (the client left without a word); a closed session answers its close frame this long
 * @param maxRequestBytes largest body of an {@code xhr_send} or {@code jsonp_send}: a batch of frames
 * @param maxBytesStreaming a streaming response ends after this many bytes, and the client opens the
 *     next one (so neither side keeps one response's bytes forever)
 * @param maxPendingChars characters of messages waiting for the next poll before the session counts
 *     as full and the bridge's own queue and overflow policy take over
 * @param libraryUrl sockjs-client for the iframe page of the iframe transports (served by the console)
 * @param frameAncestors origins, besides the node's own, whose pages may frame that iframe page
 */
public record SockJsOptions(
    Duration heartbeat,
    Duration disconnectDelay,
    int maxRequestBytes,
    int maxBytesStreaming,
    int maxPendingChars,
    String libraryUrl,
    List<String> frameAncestors) {

  public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(25);
  public static final Duration DEFAULT_DISCONNECT_DELAY = Duration.ofSeconds(5);
  public static final int DEFAULT_MAX_BYTES_STREAMING = 128 * 1024;
  public static final int DEFAULT_MAX_PENDING_CHARS = 64 * 1024;
  /** The console's own copy of sockjs-client (gateway-verticle/pom.xml, console-libraries). */
  public static final String DEFAULT_LIBRARY_URL = "/app/lib/sockjs-client/dist/sockjs.min.js";

  public SockJsOptions {
    if (heartbeat.isNegative() || heartbeat.isZero() || disconnectDelay.isNegative() || disconnectDelay.isZero()) {
      throw new IllegalArgumentException("SockJS heartbeat and disconnect delay must be positive");
    }
    if (maxRequestBytes <= 0 || maxBytesStreaming <= 0 || maxPendingChars <= 0) {
      throw new IllegalArgumentException("SockJS size limits must be positive");
    }
    frameAncestors = List.copyOf(frameAncestors);
  }

  /**
   * Defaults for a bridge whose frames are at most {@code maxFrameBytes}: a request body may carry a
   * batch of them, up to twice that, as a WebSocket message may.
   */
  public static SockJsOptions forFrames(int maxFrameBytes, List<String> frameAncestors) {
    return new SockJsOptions(DEFAULT_HEARTBEAT, DEFAULT_DISCONNECT_DELAY, 2 * maxFrameBytes, DEFAULT_MAX_BYTES_STREAMING,
        DEFAULT_MAX_PENDING_CHARS, DEFAULT_LIBRARY_URL, frameAncestors);
  }

  public SockJsOptions withHeartbeat(Duration every) {
    return new SockJsOptions(every, disconnectDelay, maxRequestBytes, maxBytesStreaming, maxPendingChars, libraryUrl, frameAncestors);
  }
}
