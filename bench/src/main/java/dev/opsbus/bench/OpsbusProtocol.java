package dev.opsbus.bench;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.List;

/**
 * The opsbus bridge frames ({@code vertx-eventbus.js} protocol) over {@code /eventbus/websocket}:
 * one {@code register} carrying the bearer token in {@code headers}, a {@code ping} every 5 s as
 * {@code vertx-eventbus.js} sends, {@code rec} frames in, {@code err} frames counted as errors.
 */
final class OpsbusProtocol implements WireProtocol {

  static final long PING_MILLIS = 5_000;
  private static final String PING = new JsonObject().put("type", "ping").encode();

  private final String address;
  private final String register;

  OpsbusProtocol(String address, String token) {
    this.address = address;
    JsonObject frame = new JsonObject().put("type", "register").put("address", address);
    if (token != null) {
      frame.put("headers", new JsonObject().put("authorization", "Bearer " + token));
    }
    this.register = frame.encode();
  }

  @Override
  public String name() {
    return "opsbus";
  }

  @Override
  public String path() {
    return "/eventbus/websocket";
  }

  @Override
  public List<String> onOpen() {
    return List.of(register);
  }

  @Override
  public boolean readyOnOpen() {
    // the frame protocol has no register acknowledgement: a refusal comes back as an err frame
    return true;
  }

  @Override
  public Frame onFrame(Buffer data) {
    byte[] bytes = data.getBytes();
    try (JsonParser p = StampParser.JSON.createParser(bytes)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return Frame.invalid("frame is not a JSON object");
      }
      String type = null;
      String frameAddress = null;
      String failure = null;
      Frame body = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        switch (name) {
          case "type" -> type = p.getText();
          case "address" -> frameAddress = p.getText();
          case "body" -> {
            if (value == JsonToken.START_OBJECT) {
              body = StampParser.readBody(p);
            } else {
              p.skipChildren();
            }
          }
          case "failureType", "message" -> failure = failure == null ? p.getText() : failure + ": " + p.getText();
          default -> p.skipChildren();
        }
      }
      if ("err".equals(type)) {
        return Frame.error("err frame" + (frameAddress == null ? "" : " on " + frameAddress)
            + (failure == null ? "" : ": " + failure));
      }
      if ("rec".equals(type) && address.equals(frameAddress)) {
        return body == null ? Frame.invalid("rec frame without an object body") : body;
      }
      return Frame.OTHER;
    } catch (IOException e) {
      return Frame.invalid(e.getMessage());
    }
  }

  @Override
  public long heartbeatMillis() {
    return PING_MILLIS;
  }

  @Override
  public String heartbeat() {
    return PING;
  }
}
