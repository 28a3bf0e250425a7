package dev.opsbus.gateway.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.ErrorCode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Inbound frames as a table: what a client sends, and the frame the bridge reads or the code it refuses with. */
class FrameParserTest {

  static final int MAX_ADDRESS = 32;
  static final String LONG = "a".repeat(MAX_ADDRESS + 1);

  private final FrameParser parser = new FrameParser(MAX_ADDRESS);

  static Stream<Arguments> frames() {
    JsonObject h = new JsonObject().put("x", "1");
    return Stream.of(
        Arguments.of("{\"type\":\"register\",\"address\":\"metrics.node\"}", new BridgeFrame.Register("metrics.node", null)),
        Arguments.of("{\"type\":\"register\",\"address\":\"a.b\",\"headers\":{\"x\":\"1\"}}", new BridgeFrame.Register("a.b", h)),
        Arguments.of("{\"type\":\"unregister\",\"address\":\"a.b\"}", new BridgeFrame.Unregister("a.b", null)),
        Arguments.of("{\"type\":\"publish\",\"address\":\"a.b\",\"body\":{\"n\":1}}",
            new BridgeFrame.Publish("a.b", new JsonObject().put("n", 1), null)),
        Arguments.of("{\"type\":\"send\",\"address\":\"a.b\",\"body\":\"x\"}", new BridgeFrame.Send("a.b", "x", null, null)),
        Arguments.of("{\"type\":\"send\",\"address\":\"a.b\",\"body\":7,\"replyAddress\":\"r-1\"}", new BridgeFrame.Send("a.b", 7, null, "r-1")),
        Arguments.of("{\"type\":\"send\",\"address\":\"a.b\",\"replyAddress\":\"\"}", new BridgeFrame.Send("a.b", null, null, null)),
        Arguments.of("{\"type\":\"register\",\"address\":\"a.b\",\"headers\":\"not an object\"}", new BridgeFrame.Register("a.b", null)),
        Arguments.of("{\"type\":\"ping\"}", BridgeFrame.Ping.INSTANCE),
        Arguments.of("{\"type\":\"ping\",\"address\":5}", BridgeFrame.Ping.INSTANCE),
        Arguments.of("{\"type\":\"register\",\"address\":\"" + "a".repeat(MAX_ADDRESS) + "\"}",
            new BridgeFrame.Register("a".repeat(MAX_ADDRESS), null)));
  }

  @ParameterizedTest
  @MethodSource("frames")
  void aWellFormedFrameIsReadAsItsType(String text, BridgeFrame expected) {
    assertThat(parser.parse(Buffer.buffer(text))).isEqualTo(expected);
  }

  static Stream<Arguments> refusals() {
    return Stream.of(
        Arguments.of("{this is not json", ErrorCode.INVALID_JSON, "JSON"),
        Arguments.of("", ErrorCode.INVALID_JSON, "JSON"),
        Arguments.of("[1,2]", ErrorCode.INVALID_FRAME, "object"),
        Arguments.of("\"register\"", ErrorCode.INVALID_FRAME, "object"),
        Arguments.of("null", ErrorCode.INVALID_FRAME, "object"),
        Arguments.of("{}", ErrorCode.INVALID_FRAME, "type"),
        Arguments.of("{\"type\":5,\"address\":\"a.b\"}", ErrorCode.INVALID_FRAME, "type"),
        Arguments.of("{\"type\":\"subscribe-please\",\"address\":\"a.b\"}", ErrorCode.INVALID_FRAME, "subscribe-please"),
        Arguments.of("{\"type\":\"register\"}", ErrorCode.INVALID_FRAME, "address"),
        Arguments.of("{\"type\":\"publish\",\"address\":\"\"}", ErrorCode.INVALID_FRAME, "address"),
        Arguments.of("{\"type\":\"send\",\"address\":42}", ErrorCode.INVALID_FRAME, "address"),
        Arguments.of("{\"type\":\"register\",\"address\":\"" + LONG + "\"}", ErrorCode.INVALID_FRAME, "over the limit"),
        Arguments.of("{\"type\":\"send\",\"address\":\"a.b\",\"replyAddress\":\"" + LONG + "\"}", ErrorCode.INVALID_FRAME, "replyAddress"));
  }

  @ParameterizedTest
  @MethodSource("refusals")
  void aBadFrameIsRefusedWithItsCodeAndASentenceSayingWhy(String text, ErrorCode code, String mentions) {
    BridgeFrame f = parser.parse(Buffer.buffer(text));
    assertThat(f).isInstanceOf(BridgeFrame.Invalid.class);
    BridgeFrame.Invalid invalid = (BridgeFrame.Invalid) f;
    assertThat(invalid.code()).isEqualTo(code);
    assertThat(invalid.message()).contains(mentions);
  }

  @org.junit.jupiter.api.Test
  void aRefusalOfARequestGoesToItsReplyAddressAndTheTokenNeverTravelsOn() {
    BridgeFrame.Send request = (BridgeFrame.Send) parser.parse(Buffer.buffer(
        "{\"type\":\"send\",\"address\":\"a.b\",\"replyAddress\":\"r-9\",\"headers\":{\"authorization\":\"Bearer t\","
            + "\"opsbus-user\":\"forged\",\"trace\":\"abc\",\"n\":3}}"));
    assertThat(request.errAddress()).isEqualTo("r-9");
    assertThat(((BridgeFrame.Addressed) parser.parse(Buffer.buffer("{\"type\":\"send\",\"address\":\"a.b\"}"))).errAddress())
        .isEqualTo("a.b");
    var headers = request.busHeaders(new io.vertx.core.eventbus.DeliveryOptions()).getHeaders();
    assertThat(headers.names()).containsExactlyInAnyOrder("trace", "n");
    assertThat(headers.get("n")).isEqualTo("3");
  }
}
