package dev.opsbus.gateway.bridge;

import dev.opsbus.model.ErrorCode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

/**
 * Reads an inbound bridge frame: bad JSON is {@code invalid_json}; anything but an object with a
 * known {@code type}, and an address missing or longer than the limit, is {@code invalid_frame}.
 * Size and rate are checked before, permissions after.
 */
final class FrameParser {

  private static final String TYPES = "(register, unregister, send, publish, ping)";

  private final int maxAddressLength;

  FrameParser(int maxAddressLength) {
    this.maxAddressLength = maxAddressLength;
  }

  BridgeFrame parse(Buffer data) {
    JsonObject frame;
    try {
      Object parsed = Json.decodeValue(data);
      if (!(parsed instanceof JsonObject o)) {
        return new BridgeFrame.Invalid(ErrorCode.INVALID_FRAME, "a frame is a JSON object with a \"type\"");
      }
      frame = o;
    } catch (DecodeException e) {
      return new BridgeFrame.Invalid(ErrorCode.INVALID_JSON, "frame is not valid JSON");
    }
    if (!(frame.getValue("type") instanceof String type)) {
      return new BridgeFrame.Invalid(ErrorCode.INVALID_FRAME, "frame has no \"type\" " + TYPES);
    }
    if ("ping".equals(type)) {
      return BridgeFrame.Ping.INSTANCE;
    }
    if (!type.equals("register") && !type.equals("unregister") && !type.equals("send") && !type.equals("publish")) {
      return new BridgeFrame.Invalid(ErrorCode.INVALID_FRAME, "unknown frame type '" + type + "' " + TYPES);
    }
    if (!(frame.getValue("address") instanceof String address) || address.isEmpty()) {
      return new BridgeFrame.Invalid(ErrorCode.INVALID_FRAME, "a " + type + " frame needs an \"address\"");
    }
    if (address.length() > maxAddressLength) {
      return new BridgeFrame.Invalid(ErrorCode.INVALID_FRAME,
          "address of " + address.length() + " characters is over the limit of " + maxAddressLength);
    }
    String replyAddress = frame.getValue("replyAddress") instanceof String s && !s.isEmpty() ? s : null;
    if (replyAddress != null && replyAddress.length() > maxAddressLength) {
      return new BridgeFrame.Invalid(ErrorCode.INVALID_FRAME, "replyAddress is over the limit of " + maxAddressLength + " characters");
    }
    JsonObject headers = frame.getValue("headers") instanceof JsonObject h ? h : null;
    return switch (type) {
      case "register" -> new BridgeFrame.Register(address, headers);
      case "unregister" -> new BridgeFrame.Unregister(address, headers);
      case "publish" -> new BridgeFrame.Publish(address, frame.getValue("body"), headers);
      default -> new BridgeFrame.Send(address, frame.getValue("body"), headers, replyAddress);
    };
  }
}
