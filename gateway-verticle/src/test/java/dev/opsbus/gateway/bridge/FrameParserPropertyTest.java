package dev.opsbus.gateway.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.ErrorCode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Issue 11, point 8, the bridge half: whatever a client sends as a frame (any text, any bytes, any
 * JSON value, a valid frame with one field broken, a broken SockJS envelope passed on whole), the
 * parser does not throw; it reads a well-formed frame or refuses with a client-error code and a
 * sentence, which the client gets as its {@code err} frame. {@link FrameParserTest} holds the table.
 */
class FrameParserPropertyTest {

  static final int MAX_ADDRESS = BridgeLimits.DEFAULT_MAX_ADDRESS_LENGTH;
  /** The codes the parser refuses with: both 400s, what a client that sent garbage is told. */
  static final Set<ErrorCode> PARSER_CODES = Set.of(ErrorCode.INVALID_JSON, ErrorCode.INVALID_FRAME);
  static final List<String> TYPES = List.of("register", "unregister", "send", "publish", "ping");
  static final List<String> FIELDS = List.of("type", "address", "body", "headers", "replyAddress");

  private final FrameParser parser = new FrameParser(MAX_ADDRESS);

  @Property(tries = 2000)
  void anyTextIsAFrameOrARefusalWithAClientCode(@ForAll("texts") String text) {
    wellFormedOrRefused(parser.parse(Buffer.buffer(text)));
  }

  @Property(tries = 2000)
  void anyBytesAreAFrameOrARefusalWithAClientCode(@ForAll("bytes") byte[] bytes) {
    // as they come over the TCP bridge, and as a WebSocket client that decodes them as text would send them
    wellFormedOrRefused(parser.parse(Buffer.buffer(bytes)));
    wellFormedOrRefused(parser.parse(Buffer.buffer(new String(bytes, StandardCharsets.UTF_8))));
    wellFormedOrRefused(parser.parse(Buffer.buffer(new String(bytes, StandardCharsets.ISO_8859_1))));
  }

  @Property(tries = 2000, edgeCases = EdgeCasesMode.NONE)
  void anyJsonValueIsAFrameOrARefusalWithAClientCode(@ForAll("jsonValues") Object value) {
    BridgeFrame f = wellFormedOrRefused(parser.parse(Buffer.buffer(Json.encode(value))));
    if (!(value instanceof JsonObject)) {
      assertThat(f).isEqualTo(new BridgeFrame.Invalid(ErrorCode.INVALID_FRAME, "a frame is a JSON object with a \"type\""));
    }
  }

  @Property(tries = 2000)
  void aValidFrameWithOneFieldBrokenIsAFrameOrARefusalWithAClientCode(@ForAll("nearValidFrames") JsonObject frame) {
    BridgeFrame f = wellFormedOrRefused(parser.parse(Buffer.buffer(frame.encode())));
    if (!(frame.getValue("type") instanceof String type) || !TYPES.contains(type)) {
      assertThat(f).isInstanceOf(BridgeFrame.Invalid.class);
      assertThat(((BridgeFrame.Invalid) f).code()).isEqualTo(ErrorCode.INVALID_FRAME);
    } else if ("ping".equals(type)) {
      assertThat(f).isEqualTo(BridgeFrame.Ping.INSTANCE);
    } else if (frame.getValue("address") instanceof String a && !a.isEmpty() && a.length() <= MAX_ADDRESS
        && (!(frame.getValue("replyAddress") instanceof String r) || r.length() <= MAX_ADDRESS)) {
      // NUL and control characters are the permission check's business, not the parser's: read as sent
      assertThat(f).isInstanceOf(BridgeFrame.Addressed.class);
      // (a lone surrogate cannot be UTF-8: it travels as '?', as Buffer.buffer(String) writes it)
      assertThat(((BridgeFrame.Addressed) f).address()).isEqualTo(new String(a.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
    } else {
      assertThat(f).isInstanceOf(BridgeFrame.Invalid.class);
      assertThat(((BridgeFrame.Invalid) f).code()).isEqualTo(ErrorCode.INVALID_FRAME);
    }
  }

  /** What the SockJS WebSocket transport passes on whole when its envelope is broken. */
  @Property(tries = 2000, edgeCases = EdgeCasesMode.NONE)
  void aBrokenSockJsEnvelopePassedOnWholeIsRefused(@ForAll("brokenEnvelopes") String text) {
    BridgeFrame f = wellFormedOrRefused(parser.parse(Buffer.buffer(text)));
    assertThat(f).isInstanceOf(BridgeFrame.Invalid.class);
  }

  /** The frame as the bridge goes on with it, or the refusal as the client reads it. */
  static BridgeFrame wellFormedOrRefused(BridgeFrame f) {
    assertThat(f).isNotNull();
    if (f instanceof BridgeFrame.Invalid bad) {
      assertThat(bad.code()).isIn(PARSER_CODES);
      assertThat(bad.code().httpStatus()).isBetween(400, 499);
      assertThat(bad.message()).isNotBlank();
    } else if (f instanceof BridgeFrame.Addressed a) {
      assertThat(a.address()).isNotEmpty().hasSizeLessThanOrEqualTo(MAX_ADDRESS);
      if (a instanceof BridgeFrame.Send s && s.replyAddress() != null) {
        assertThat(s.replyAddress()).isNotEmpty().hasSizeLessThanOrEqualTo(MAX_ADDRESS);
      }
      assertThat(a.errAddress()).isNotEmpty();
      // the headers it puts on the bus: any names and values, never the token nor a forged opsbus-*
      var headers = a.busHeaders(new DeliveryOptions()).getHeaders();
      assertThat(headers == null ? Set.<String>of() : headers.names()).noneMatch(n -> n.equalsIgnoreCase("authorization") || n.toLowerCase(Locale.ROOT).startsWith("opsbus-"));
    } else {
      assertThat(f).isSameAs(BridgeFrame.Ping.INSTANCE);
    }
    return f;
  }

  // ---- what a client may send

  static Arbitrary<String> anyChars(int maxLength) {
    return Arbitraries.strings().withCharRange('\u0000', '\uffff').ofMaxLength(maxLength);
  }

  /** Addresses and strings a hostile client picks: NUL, controls, lone surrogates, over the limit. */
  static Arbitrary<String> nastyStrings() {
    return Arbitraries.oneOf(
        anyChars(40),
        Arbitraries.strings().withCharRange('\u0000', '\u001f').ofMinLength(1).ofMaxLength(8),
        Arbitraries.of("", " ", "\u0000", "a.b\u0000", "a\nb", "\r\n", "\u007f", "\uD800", "\uDFFF", "\uFFFF", "é", "日本語",
            "metrics.node", "ops.updates.h1", "*", "#", "..", "authorization", "Bearer x", "opsbus-user"),
        Arbitraries.integers().between(MAX_ADDRESS - 1, MAX_ADDRESS + 2).map("a"::repeat),
        Arbitraries.integers().between(MAX_ADDRESS + 1, 20 * MAX_ADDRESS).map(n -> "\u0000".repeat(n)));
  }

  @Provide
  Arbitrary<String> texts() {
    return Arbitraries.oneOf(
        anyChars(200),
        Arbitraries.strings().withChars("{}[]\":,. \\/-+0123456789eEtrufalsn").ofMaxLength(60),
        Arbitraries.of("", "{", "}", "[", "\"", "null", "true", "-", "-0", "1e309", "-1e309", "1e-400", "0.1e99999", "NaN", "Infinity",
            "9".repeat(2000), "[".repeat(5000), "{\"a\":".repeat(2000), "{\"type\":\"ping\"} {}", "{\"type\":\"ping\"}x",
            "{\"type\":\"ping\",\"type\":\"send\"}", "{\"type\":\"send\",\"address\":\"a\",\"body\":" + "[".repeat(3000) + "}",
            "/* */{\"type\":\"ping\"}", "{'type':'ping'}", "{type:\"ping\"}", "\uFEFF{\"type\":\"ping\"}", "{\"type\":\"\\ud800\"}",
            "{\"type\":\"send\",\"address\":\"\\u0000\"}", "{\"type\":\"register\",\"address\":\"a\",\"headers\":{\"\":null}}"));
  }

  @Provide
  Arbitrary<byte[]> bytes() {
    return Arbitraries.oneOf(
        Arbitraries.bytes().array(byte[].class).ofMaxSize(200),
        // a valid frame with bytes of broken UTF-8 inside its address
        Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(12).map(junk -> {
          Buffer b = Buffer.buffer("{\"type\":\"register\",\"address\":\"a");
          return b.appendBytes(junk).appendString("\"}").getBytes();
        }));
  }

  static Arbitrary<Object> leaves() {
    return Arbitraries.oneOf(
        Arbitraries.just(null),
        Arbitraries.of(true, false),
        Arbitraries.integers(),
        Arbitraries.longs(),
        Arbitraries.doubles(),
        Arbitraries.bigDecimals().between(new BigDecimal("-1e30"), new BigDecimal("1e30")),
        nastyStrings(),
        Arbitraries.of(TYPES));
  }

  static Arbitrary<Object> json(int depth) {
    if (depth == 0) {
      return leaves();
    }
    Arbitrary<String> keys = Arbitraries.oneOf(Arbitraries.of(FIELDS), Arbitraries.of("authorization", "opsbus-user", ""), anyChars(10));
    Arbitrary<Object> inner = json(depth - 1);
    Arbitrary<Object> object = Arbitraries.maps(keys, inner).ofMaxSize(6).map(m -> new JsonObject(new java.util.LinkedHashMap<>(m)));
    Arbitrary<Object> array = inner.list().ofMaxSize(5).map(JsonArray::new);
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(2, leaves()),
        net.jqwik.api.Tuple.of(3, object),
        net.jqwik.api.Tuple.of(1, array));
  }

  @Provide
  Arbitrary<Object> jsonValues() {
    return json(3);
  }

  /** A valid frame of each type, then one field replaced: a wrong type, absent, or a nasty string. */
  @Provide
  Arbitrary<JsonObject> nearValidFrames() {
    Arbitrary<Object> replacement = Arbitraries.oneOf(
        Arbitraries.just(Absent.FIELD),
        leaves(),
        json(2),
        Arbitraries.of(new JsonObject(), new JsonArray(), new JsonObject().put("authorization", "Bearer forged").put("opsbus-user", "root")));
    return Combinators.combine(Arbitraries.of(TYPES), Arbitraries.of(FIELDS), replacement).as((type, field, value) -> {
      JsonObject frame = new JsonObject().put("type", type).put("address", "metrics.node").put("body", new JsonObject().put("n", 1))
          .put("headers", new JsonObject().put("trace", "t-1")).put("replyAddress", "r-1");
      if (value == Absent.FIELD) {
        frame.remove(field);
      } else {
        frame.put(field, value);
      }
      return frame;
    });
  }

  enum Absent { FIELD }

  /**
   * A SockJS envelope that is not a JSON array of strings (cut short, non-string elements, a bare
   * value), as the WebSocket transport hands it to the bridge.
   */
  @Provide
  Arbitrary<String> brokenEnvelopes() {
    Arbitrary<String> envelope = nearValidFrames().map(JsonObject::encode).list().ofMinSize(1).ofMaxSize(2)
        .map(frames -> new JsonArray(frames).encode());
    Arbitrary<String> cut = Combinators.combine(envelope, Arbitraries.doubles().between(0, 1))
        .as((e, where) -> e.substring(0, 1 + (int) (where * (e.length() - 2))));
    Arbitrary<String> notStrings = json(1).list().ofMinSize(1).ofMaxSize(4)
        .filter(l -> l.stream().anyMatch(v -> !(v instanceof String))).map(l -> new JsonArray(l).encode());
    return Arbitraries.oneOf(cut, notStrings);
  }
}
