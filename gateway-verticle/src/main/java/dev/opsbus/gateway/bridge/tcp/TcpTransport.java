package dev.opsbus.gateway.bridge.tcp;

import dev.opsbus.gateway.bridge.BridgeTransport;
import dev.opsbus.model.ErrorCode;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import java.nio.charset.StandardCharsets;

/**
 * One TCP bridge client: the Vert.x TCP event-bus bridge framing, a 4-byte big-endian length then
 * that many bytes of UTF-8 JSON, carrying the same frames as the WebSocket bridge. Every frame goes
 * to the bridge connection; a {@code ping} is answered with {@code pong} once the frames before it
 * were handled, as Vert.x TCP bridge clients expect. A length over the bound is refused before any of it is read.
 */
final class TcpTransport implements BridgeTransport {

  static final String KIND = BridgeTransport.TCP_KIND;
  private static final String PONG = new JsonObject().put("type", "pong").encode();

  private final NetSocket socket;
  private final int maxFrameBytes;
  private final RecordParser parser;
  private Handler<Buffer> data;
  private int expected = -1;
  /** A frame over the bound was announced: nothing after it is read. */
  private boolean refused;

  TcpTransport(NetSocket socket, int maxFrameBytes) {
    this.socket = socket;
    this.maxFrameBytes = maxFrameBytes;
    this.parser = RecordParser.newFixed(4, this::onRecord);
    socket.handler(parser);
  }

  private void onRecord(Buffer record) {
    if (refused) {
      return;
    }
    if (expected < 0) {
      int len = record.getInt(0);
      if (len < 0 || len > maxFrameBytes) {
        // the stream cannot be resynchronised past a frame we will not read: say why, then close
        write(new JsonObject().put("type", "err").put("failureCode", ErrorCode.TOO_LARGE.failureCode()).put("failureType", ErrorCode.TOO_LARGE.wireName())
            .put("message", "a frame of " + len + " bytes is over the limit of " + maxFrameBytes + ": closed").put("body", ErrorCode.TOO_LARGE.wireName()).encode());
        refused = true;
        socket.end();
        return;
      }
      if (len == 0) {
        return;
      }
      expected = len;
      parser.fixedSizeMode(len);
      return;
    }
    expected = -1;
    parser.fixedSizeMode(4);
    if (data != null) {
      data.handle(record);
    }
  }

  @Override
  public void pinged() {
    write(PONG);
  }

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public void write(String frame) {
    byte[] b = frame.getBytes(StandardCharsets.UTF_8);
    socket.write(Buffer.buffer(4 + b.length).appendInt(b.length).appendBytes(b));
  }

  @Override
  public boolean writeQueueFull() {
    return socket.writeQueueFull();
  }

  @Override
  public void drainHandler(Handler<Void> handler) {
    socket.drainHandler(handler);
  }

  @Override
  public void dataHandler(Handler<Buffer> handler) {
    this.data = handler;
  }

  @Override
  public void closeHandler(Handler<Void> handler) {
    socket.closeHandler(handler);
  }

  @Override
  public void close(int statusCode, String reason) {
    // the err frame saying why was written just before; end() sends it, then closes
    socket.end();
  }

  @Override
  public String remoteAddress() {
    return String.valueOf(socket.remoteAddress());
  }
}
