package dev.opsbus.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opsbus.model.config.ConfigException;
import org.junit.jupiter.api.Test;

class PermissionRulesSectionTest {

  private static PermissionRules read(String section) throws Exception {
    return PermissionRules.fromJson(Json.MAPPER.readTree(section), PermissionRules.defaults());
  }

  @Test
  void rulesReplaceTheDefaultsAsAWhole() throws Exception {
    PermissionRules rules = read("""
        {"rules": [{"address": "metrics.node", "directions": ["subscribe"], "roles": ["viewer"], "overflow": "latest"}]}
        """);

    assertThat(rules.rules()).hasSize(1);
    assertThat(rules.overflowFor("metrics.node")).isEqualTo(PermissionRule.Overflow.LATEST);
    assertThat(rules.isKnown("ops.start")).isFalse();
  }

  @Test
  void aSectionWithoutRulesKeepsTheBase() throws Exception {
    assertThat(read("{}").rules()).hasSameSizeAs(PermissionRules.defaults().rules());
  }

  @Test
  void anUnknownKeyIsRefused() {
    assertThatThrownBy(() -> read("{\"rule\": []}"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("permissions.rule");
  }

  @Test
  void aBadRuleIsRefusedNamingTheRulesKey() {
    assertThatThrownBy(() -> read("{\"rules\": [{\"address\": \"metrics.node\", \"roles\": [\"viewer\"]}]}"))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("permissions.rules: ");
    assertThatThrownBy(() -> read("{\"rules\": {}}"))
        .isInstanceOf(ConfigException.class).hasMessage("permissions.rules: must be a list of rules");
  }
}
