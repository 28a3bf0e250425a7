package dev.opsbus.ssh.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opsbus.model.OpsbusException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ShellQuoteTest {

  @Test
  void aValueBecomesOneSingleQuotedWord() {
    assertThat(ShellQuote.quote("plain")).isEqualTo("'plain'");
    assertThat(ShellQuote.quote("it's")).isEqualTo("'it'\\''s'");
    assertThat(ShellQuote.quote("; rm -rf /")).isEqualTo("'; rm -rf /'");
    assertThat(ShellQuote.quote("")).isEqualTo("''");
  }

  @Test
  void placeholdersAreFilledAndShellBracesLeftAlone() {
    assertThat(ShellQuote.render("systemctl restart {unit} && echo ${HOME} && awk '{print $1}'", Map.of("unit", "a b")))
        .isEqualTo("systemctl restart 'a b' && echo ${HOME} && awk '{print $1}'");
  }

  @Test
  void aPlaceholderWithoutAValueOrANulIsInvalid() {
    assertThatThrownBy(() -> ShellQuote.render("echo {x}", Map.of())).isInstanceOf(OpsbusException.class).hasMessageContaining("x");
    assertThatThrownBy(() -> ShellQuote.quote("a\0b")).isInstanceOf(OpsbusException.class);
    assertThatThrownBy(() -> ShellQuote.exports(Map.of("A;B", "v"))).isInstanceOf(OpsbusException.class);
  }
}
