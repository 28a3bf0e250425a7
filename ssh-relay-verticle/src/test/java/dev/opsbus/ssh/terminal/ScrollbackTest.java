package dev.opsbus.ssh.terminal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ScrollbackTest {

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static String text(Scrollback s) {
    return new String(s.snapshot(), StandardCharsets.US_ASCII);
  }

  @Test
  void keepsEverythingUntilFull() {
    Scrollback s = new Scrollback(8);
    s.append(b("abc"));
    s.append(b("def"));
    assertThat(text(s)).isEqualTo("abcdef");
  }

  @Test
  void keepsOnlyTheLastBytesAcrossTheWrap() {
    Scrollback s = new Scrollback(8);
    s.append(b("abcdef"));
    s.append(b("ghij"));
    assertThat(text(s)).isEqualTo("cdefghij");
    s.append(b("kl"));
    assertThat(text(s)).isEqualTo("efghijkl");
    assertThat(s.size()).isEqualTo(8);
  }

  @Test
  void aChunkLargerThanTheRingLeavesItsTail() {
    Scrollback s = new Scrollback(4);
    s.append(b("xy"));
    s.append(b("0123456789"));
    assertThat(text(s)).isEqualTo("6789");
  }

  @Test
  void aZeroSizedScrollbackKeepsNothing() {
    Scrollback s = new Scrollback(0);
    s.append(b("abc"));
    assertThat(s.snapshot()).isEmpty();
  }

  @Test
  void utf8SplitAcrossChunksIsDecodedWhole() {
    AsciicastRecorder.Utf8Stream d = new AsciicastRecorder.Utf8Stream();
    byte[] euro = "€".getBytes(StandardCharsets.UTF_8);
    assertThat(d.decode(new byte[] {'a', euro[0]})).isEqualTo("a");
    assertThat(d.decode(new byte[] {euro[1], euro[2], 'b'})).isEqualTo("€b");
  }
}
