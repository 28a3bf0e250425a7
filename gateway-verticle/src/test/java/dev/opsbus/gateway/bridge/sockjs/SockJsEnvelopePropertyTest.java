package dev.opsbus.gateway.bridge.sockjs;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Issue 11, point 8, the SockJS half: what a client sends as a SockJS envelope ({@code ["m1","m2"]}
 * over a WebSocket, an {@code xhr_send} body, a {@code jsonp_send} form) never makes the server
 * throw. An envelope that is not a JSON array of strings is refused: an {@code xhr_send} gets 400,
 * and a WebSocket passes the text on whole as one message, which the bridge refuses with an err
 * frame ({@code FrameParserPropertyTest} checks that refusal for any text).
 */
class SockJsEnvelopePropertyTest {

  @Property(tries = 2000)
  void anyTextIsItsMessagesOrRefused(@ForAll("texts") String text) {
    List<String> messages = SockJsFrames.decode(text);
    if (messages != null) {
      assertThat(messages).doesNotContainNull();
      // what was read is exactly an envelope of those messages
      assertThat(SockJsFrames.decode(new JsonArray(List.copyOf(messages)).encode())).isEqualTo(messages);
    }
    List<String> overWebSocket = SockJsFrames.webSocketMessages(text);
    if (text.isEmpty() || text.equals("[]")) {
      assertThat(overWebSocket).isEmpty();
    } else {
      assertThat(overWebSocket).isEqualTo(messages != null ? messages : List.of(text));
    }
  }

  @Property(tries = 2000)
  void anEnvelopeOfAnyMessagesIsReadAsThem(@ForAll("messageLists") List<String> messages) {
    // as sockjs-client writes it (JSON.stringify), and as the server's own a[...] frames escape it
    assertThat(SockJsFrames.decode(new JsonArray(List.copyOf(messages)).encode())).isEqualTo(messages);
    assertThat(SockJsFrames.decode(SockJsFrames.messages(messages).substring(1))).isEqualTo(messages);
    for (String m : messages) {
      assertThat(SockJsFrames.decode(Json.encode(m))).containsExactly(m);
    }
  }

  @Property(tries = 2000)
  void anEnvelopeCutShortOrFollowedByMoreIsRefused(@ForAll("messageLists") List<String> messages, @ForAll("cuts") double where,
      @ForAll("trailers") String trailer) {
    String envelope = new JsonArray(List.copyOf(messages)).encode();
    String cut = envelope.substring(0, (int) (where * (envelope.length() - 1)));
    assertThat(SockJsFrames.decode(cut)).isNull();
    assertThat(SockJsFrames.decode(envelope + trailer)).isNull();
    if (!cut.isEmpty()) {
      assertThat(SockJsFrames.webSocketMessages(cut)).containsExactly(cut);
    }
  }

  @Property(tries = 2000, edgeCases = EdgeCasesMode.NONE)
  void aJsonValueThatIsNotStringsIsRefused(@ForAll("notStrings") Object value) {
    String text = Json.encode(value);
    assertThat(SockJsFrames.decode(text)).isNull();
    assertThat(SockJsFrames.webSocketMessages(text)).containsExactly(text);
  }

  @Property(tries = 2000)
  void anyJsonpFormIsItsEnvelopeOrRefused(@ForAll("forms") String form) {
    String envelope = SockJsFrames.formEnvelope(form);
    if (!form.startsWith("d=")) {
      assertThat(envelope).isEmpty();
    } else if (form.indexOf('%') < 0 && form.indexOf('+') < 0) {
      assertThat(envelope).isEqualTo(form.substring(2));
    }
  }

  @Property(tries = 2000)
  void aJsonpFormCarriesAnyEnvelope(@ForAll("messageLists") List<String> messages) {
    String envelope = new JsonArray(List.copyOf(messages)).encode();
    // a lone surrogate has no UTF-8 form: the browser would have sent U+FFFD, URLEncoder sends '?'
    Assume.that(envelope.equals(new String(envelope.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)));
    assertThat(SockJsFrames.formEnvelope("d=" + URLEncoder.encode(envelope, StandardCharsets.UTF_8))).isEqualTo(envelope);
  }

  /** The shrunk counterexamples of {@link #anyJsonpFormIsItsEnvelopeOrRefused}: they threw in the body handler, and the request hung. */
  @Example
  void aJsonpFormThatDoesNotPercentDecodeIsRefused() {
    assertThat(SockJsFrames.formEnvelope("d=%")).isNull();
    assertThat(SockJsFrames.formEnvelope("d=%zz")).isNull();
    assertThat(SockJsFrames.formEnvelope("d=%5B%22x%22%5")).isNull();
  }

  // ---- what a client may send

  static Arbitrary<String> anyChars(int maxLength) {
    return Arbitraries.strings().withCharRange('\u0000', '\uffff').ofMaxLength(maxLength);
  }

  static Arbitrary<String> messages() {
    return Arbitraries.oneOf(
        anyChars(30),
        Arbitraries.strings().withChars("[]{}\",:\\/ u0").ofMaxLength(20),
        Arbitraries.of("", "\u0000", "\uD800", "\uDFFF", "\u2028", "é", "\"", "\\", "[\"x\"]",
            "{\"type\":\"register\",\"address\":\"metrics.node\"}", "x".repeat(5000)));
  }

  @Provide
  Arbitrary<List<String>> messageLists() {
    return messages().list().ofMaxSize(5);
  }

  @Provide
  Arbitrary<Double> cuts() {
    return Arbitraries.doubles().between(0, 1);
  }

  @Provide
  Arbitrary<String> trailers() {
    return Arbitraries.oneOf(
        Arbitraries.of("x", ",", "]", "[", "\"", "\"x\"", "[]", "{}", "0", "null", "/", "\u0000"),
        Arbitraries.strings().withChars("[]{}\",:x0").ofMinLength(1).ofMaxLength(5).map(t -> t.isBlank() ? "x" : t));
  }

  @Provide
  Arbitrary<String> texts() {
    Arbitrary<String> envelopes = messageLists().map(l -> new JsonArray(List.copyOf(l)).encode());
    return Arbitraries.oneOf(
        anyChars(100),
        Arbitraries.strings().withChars("[]{}\",:\\ u0aD8").ofMaxLength(40),
        envelopes,
        envelopes.map(e -> e.substring(0, e.length() - 1)),
        messages().map(Json::encode),
        Arbitraries.of("", "[]", "[ ]", "[", "]", "\"", "null", "[null]", "[1]", "[\"a\",]", "[,\"a\"]", "[\"a\" \"b\"]",
            "/*c*/[\"a\"]", "[\"a\"]/*c*/", "['a']", "\uFEFF[\"a\"]", "[\"\\ud800\"]", "[\"\\u00\"]", "[\"\\x41\"]",
            "[\"a\"]\u0000", "[".repeat(5000), "[\"" + "x".repeat(100_000) + "\"]"));
  }

  static Arbitrary<Object> leaves() {
    return Arbitraries.oneOf(Arbitraries.just(null), Arbitraries.of(true, false), Arbitraries.integers(), Arbitraries.doubles(),
        messages());
  }

  static Arbitrary<Object> json(int depth) {
    if (depth == 0) {
      return leaves();
    }
    Arbitrary<Object> inner = json(depth - 1);
    return Arbitraries.frequencyOf(
        Tuple.of(2, leaves()),
        Tuple.of(2, Arbitraries.maps(anyChars(8), inner).ofMaxSize(4).map(m -> new JsonObject(new LinkedHashMap<>(m)))),
        Tuple.of(2, inner.list().ofMaxSize(4).map(JsonArray::new)));
  }

  /** Any JSON value but a string or an array of strings. */
  @Provide
  Arbitrary<Object> notStrings() {
    return json(3).filter(v -> !(v instanceof String)
        && !(v instanceof JsonArray a && a.stream().allMatch(e -> e instanceof String)));
  }

  @Provide
  Arbitrary<String> forms() {
    return Arbitraries.oneOf(
        anyChars(40).map(s -> "d=" + s),
        Arbitraries.strings().withChars("%0123456789abcdefABCDEFgxz+[]\"").ofMaxLength(20).map(s -> "d=" + s),
        anyChars(20),
        Arbitraries.of("", "d", "d=", "x=1&d=%5B%5D", "d=%5B%22x%22%5D&e=1"));
  }
}
