package dev.opsbus.bench;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.List;

/** Plain text frames, each one bench message body as JSON. */
final class RawProtocol implements WireProtocol {

  @Override
  public String name() {
    return "raw";
  }

  @Override
  public String path() {
    return RawBroadcastServer.WS_PATH;
  }

  @Override
  public List<String> onOpen() {
    return List.of();
  }

  @Override
  public boolean readyOnOpen() {
    return true;
  }

  @Override
  public Frame onFrame(Buffer data) {
    byte[] bytes = data.getBytes();
    try (JsonParser p = StampParser.JSON.createParser(bytes)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return Frame.invalid("not a JSON object");
      }
      return StampParser.readBody(p);
    } catch (IOException e) {
      return Frame.invalid(e.getMessage());
    }
  }

  @Override
  public long heartbeatMillis() {
    return 0;
  }

  @Override
  public String heartbeat() {
    return null;
  }
}
