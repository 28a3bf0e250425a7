package dev.opsbus.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/** Streaming JSON helpers shared by the protocols: reads {@code seq} and {@code t} from a body. */
final class StampParser {

  static final JsonFactory JSON = new JsonFactory();

  private StampParser() {
  }

  /**
   * Reads the object the parser is at (current token START_OBJECT) and returns a delivery frame, or
   * an invalid one when {@code seq} or {@code t} is missing. Other fields (the pad) are skipped
   * without being decoded.
   */
  static WireProtocol.Frame readBody(JsonParser p) throws IOException {
    long seq = -1;
    long t = Long.MIN_VALUE;
    JsonToken token;
    while ((token = p.nextToken()) == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      if ("seq".equals(name) && value == JsonToken.VALUE_NUMBER_INT) {
        seq = p.getLongValue();
      } else if ("t".equals(name) && (value == JsonToken.VALUE_NUMBER_INT || value == JsonToken.VALUE_NUMBER_FLOAT)) {
        t = value == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : (long) p.getDoubleValue();
      } else {
        p.skipChildren();
      }
    }
    if (token != JsonToken.END_OBJECT) {
      return WireProtocol.Frame.invalid("body is not a JSON object");
    }
    if (seq < 0 || t == Long.MIN_VALUE) {
      return WireProtocol.Frame.invalid("body lacks seq or t");
    }
    return WireProtocol.Frame.delivery(seq, t);
  }
}
