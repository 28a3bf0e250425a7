package dev.opsbus.model.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Every body {@code ssh.session.{sid}.in} takes, and the refusal of the rest. */
class TerminalInputTest {

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void bytesTextAndBase64AllReadAsTheBytesTyped() {
    assertThat(TerminalInput.bytesOf(Buffer.buffer("ls\r"))).isEqualTo(utf8("ls\r"));
    assertThat(TerminalInput.bytesOf("é\r")).isEqualTo(utf8("é\r"));
    assertThat(TerminalInput.bytesOf(TerminalInput.text("pwd\r").toJson())).isEqualTo(utf8("pwd\r"));
    assertThat(TerminalInput.bytesOf(new JsonObject().put("base64", "Aw=="))).as("Ctrl-C").isEqualTo(new byte[] {3});
    assertThat(TerminalInput.bytesOf(TerminalInput.bytes(new byte[] {0, (byte) 0xff}).toJson())).isEqualTo(new byte[] {0, (byte) 0xff});
    assertThat(TerminalInput.bytesOf(null)).isEmpty();
    assertThat(TerminalInput.bytes(new byte[] {3}).toJson().fieldNames()).containsExactly("base64");
  }

  @Test
  void anythingElseIsAnInvalidRequestSayingWhatIsTaken() {
    for (Object bad : new Object[] {42, true, new JsonArray().add("ls"), new JsonObject(), new JsonObject().put("text", 1),
        new JsonObject().put("text", "a").put("base64", "YQ=="), new JsonObject().put("base64", "not base64!")}) {
      assertThatThrownBy(() -> TerminalInput.bytesOf(bad)).as(String.valueOf(bad)).isInstanceOf(OpsbusException.class)
          .satisfies(e -> assertThat(((OpsbusException) e).code()).isEqualTo(ErrorCode.INVALID_REQUEST))
          .hasMessageContaining("base64");
    }
  }
}
