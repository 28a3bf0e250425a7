package dev.opsbus.bench;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * The opsbus bridge frames as a browser's {@code vertx-eventbus.js} sends them: over SockJS's
 * websocket transport, the official framing. Each client opens its own session URL
 * ({@code /eventbus/<server>/<session>/websocket}); frames it sends are JSON arrays of strings; the
 * server sends {@code o} (open), {@code h} (heartbeat), {@code a[...]} carrying one or more bridge
 * frames (every one of a packed frame is counted), and {@code c[code,"reason"]} on close.
 */
final class SockJsProtocol implements WireProtocol {

  private final OpsbusProtocol frames;
  private final String ping;

  SockJsProtocol(String address, String token) {
    this.frames = new OpsbusProtocol(address, token);
    this.ping = wrap(frames.heartbeat());
  }

  private static String wrap(String frame) {
    return new JsonArray().add(frame).encode();
  }

  @Override
  public String name() {
    return "sockjs";
  }

  /** A new session per connection, as sockjs-client makes: a server number and a random session id. */
  @Override
  public String path() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    return "/eventbus/" + r.nextInt(1000) + "/" + Long.toString(r.nextLong() & Long.MAX_VALUE, 36) + "/websocket";
  }

  @Override
  public List<String> onOpen() {
    return frames.onOpen().stream().map(SockJsProtocol::wrap).toList();
  }

  @Override
  public boolean readyOnOpen() {
    return true;
  }

  /** The first bridge frame of a SockJS frame; use {@link #onFrames} to count every one. */
  @Override
  public Frame onFrame(Buffer data) {
    Frame[] first = {null};
    onFrames(data, f -> {
      if (first[0] == null) {
        first[0] = f;
      }
    });
    return first[0] == null ? Frame.OTHER : first[0];
  }

  @Override
  public boolean stampsOneDeliveryPerFrame() {
    return false; // one SockJS frame carries an array of bridge frames
  }

  /** A stamp inside an {@code a[...]} frame: the bridge frame is a JSON string, so its quotes are escaped. */
  static final byte[] PACKED_STAMP = "\\\"t\\\":".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  /** An error frame inside an {@code a[...]} frame. */
  static final byte[] PACKED_ERROR = "\\\"type\\\":\\\"err\\\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  @Override
  public byte[] packedStampKey() {
    return PACKED_STAMP;
  }

  @Override
  public byte[] packedErrorKey() {
    return PACKED_ERROR;
  }

  @Override
  public void onFrames(Buffer data, Consumer<Frame> sink) {
    if (data.length() == 0) {
      sink.accept(Frame.invalid("empty SockJS frame"));
      return;
    }
    switch (data.getByte(0)) {
      case 'o', 'h' -> sink.accept(Frame.OTHER);
      case 'c' -> sink.accept(Frame.error("SockJS close " + data.toString()));
      case 'a' -> messages(data, sink);
      default -> sink.accept(Frame.invalid("not a SockJS frame: " + data.getString(0, Math.min(40, data.length()))));
    }
  }

  private void messages(Buffer data, Consumer<Frame> sink) {
    byte[] bytes = data.getBytes(1, data.length());
    try (JsonParser p = StampParser.JSON.createParser(bytes)) {
      if (p.nextToken() != JsonToken.START_ARRAY) {
        sink.accept(Frame.invalid("a SockJS a-frame is not an array"));
        return;
      }
      while (p.nextToken() == JsonToken.VALUE_STRING) {
        sink.accept(frames.onFrame(Buffer.buffer(p.getText())));
      }
    } catch (IOException e) {
      sink.accept(Frame.invalid(e.getMessage()));
    }
  }

  @Override
  public long heartbeatMillis() {
    return frames.heartbeatMillis();
  }

  @Override
  public String heartbeat() {
    return ping;
  }
}
