package dev.opsbus.gateway.bridge.sockjs;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Messages quoted once and packed as they are make the same frame as escaping each in the frame. */
class SockJsFramesTest {

  static final List<String> MESSAGES = List.of("{\"type\":\"rec\",\"body\":\"h\\u00e9llo\"}", "line\nbreak \"q\" \\ é ✓ \u2028", "");

  @Test
  void packingQuotedMessagesIsEscapingEachInTheFrame() {
    List<String> quoted = MESSAGES.stream().map(SockJsSession::quoted).toList();
    String frame = SockJsFrames.packed(quoted);
    assertThat(frame).isEqualTo(SockJsFrames.messages(MESSAGES));
    assertThat(frame.chars().allMatch(c -> c >= 0x20 && c < 0x7f)).as("ASCII only").isTrue();
    // and a client reads back the messages as sent
    assertThat(new JsonArray(frame.substring(1)).getList()).isEqualTo(MESSAGES);
  }
}
