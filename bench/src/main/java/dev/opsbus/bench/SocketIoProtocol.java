package dev.opsbus.bench;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.List;

/**
 * Socket.IO 4 over Engine.IO v4, WebSocket transport only, default namespace: answers the open
 * packet {@code 0{…}} with {@code 40}, a ping {@code 2} with {@code 3}, and reads events
 * {@code 42["tick",{…}]}. Engine.IO does not batch packets on a WebSocket: one packet per frame.
 */
final class SocketIoProtocol implements WireProtocol {

  static final String EVENT = "tick";

  @Override
  public String name() {
    return "socketio";
  }

  @Override
  public String path() {
    return "/socket.io/?EIO=4&transport=websocket";
  }

  @Override
  public List<String> onOpen() {
    return List.of();
  }

  @Override
  public boolean readyOnOpen() {
    return false;
  }

  @Override
  public Frame onFrame(Buffer data) {
    int n = data.length();
    if (n == 0) {
      return Frame.invalid("empty frame");
    }
    byte engineType = data.getByte(0);
    switch (engineType) {
      case '0':
        return Frame.reply("40");
      case '2':
        return Frame.reply("3");
      case '1':
      case '3':
      case '6':
        return Frame.OTHER;
      case '4':
        break;
      default:
        return Frame.invalid("unknown Engine.IO packet type '" + (char) engineType + "'");
    }
    if (n < 2) {
      return Frame.invalid("message packet without a Socket.IO packet");
    }
    byte ioType = data.getByte(1);
    switch (ioType) {
      case '0':
        return Frame.READY;
      case '1':
        return Frame.error("server disconnected the namespace");
      case '4':
        return Frame.error("connect_error " + data.getString(2, n));
      case '2':
        return event(data.getBytes(), n);
      default:
        return Frame.OTHER;
    }
  }

  private static Frame event(byte[] bytes, int n) {
    int start = 2;
    while (start < n && bytes[start] != '[') {
      start++; // a namespace or an ack id would sit here; the bench uses neither
    }
    try (JsonParser p = StampParser.JSON.createParser(bytes, start, n - start)) {
      if (p.nextToken() != JsonToken.START_ARRAY || p.nextToken() != JsonToken.VALUE_STRING) {
        return Frame.invalid("event is not [\"name\", …]");
      }
      if (!EVENT.equals(p.getText())) {
        return Frame.OTHER;
      }
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return Frame.invalid("event argument is not an object");
      }
      return StampParser.readBody(p);
    } catch (IOException e) {
      return Frame.invalid(e.getMessage());
    }
  }

  @Override
  public long heartbeatMillis() {
    return 0; // Engine.IO v4: the server pings, the client answers
  }

  @Override
  public String heartbeat() {
    return null;
  }
}
