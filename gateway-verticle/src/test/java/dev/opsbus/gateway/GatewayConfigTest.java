package dev.opsbus.gateway;

import dev.opsbus.gateway.bridge.BridgeLimits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opsbus.model.Json;
import dev.opsbus.model.config.ConfigException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class GatewayConfigTest {

  private static GatewayConfig read(String section) throws Exception {
    return GatewayConfig.fromJson(Json.MAPPER.readTree(section), GatewayConfig.defaults());
  }

  @Test
  void theSectionSetsItsKeysAndLeavesTheRest() throws Exception {
    GatewayConfig c = read("""
        {"allowedOrigins": ["https://ops.example"], "tokenTtlMinutes": 5, "secureCookie": true, "dbPoolSize": 3}
        """);

    assertThat(c.allowedOrigins()).containsExactly("https://ops.example");
    assertThat(c.tokenTtl()).isEqualTo(Duration.ofMinutes(5));
    assertThat(c.secureCookie()).isTrue();
    assertThat(c.dbPoolSize()).isEqualTo(3);
    assertThat(c.port()).isEqualTo(GatewayConfig.DEFAULT_PORT);
    assertThat(c.bridge()).isEqualTo(BridgeLimits.defaults());
  }

  @Test
  void anEmptySectionKeepsTheBase() throws Exception {
    GatewayConfig base = GatewayConfig.defaults();

    assertThat(GatewayConfig.fromJson(Json.MAPPER.readTree("{}"), base)).isEqualTo(base);
  }

  @Test
  void anUnknownKeyIsRefusedByItsPath() {
    assertThatThrownBy(() -> read("{\"tokenTtl\": 5}"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("gateway.tokenTtl")
        .hasMessageContaining("tokenTtlMinutes");
  }

  @Test
  void aBadValueIsRefusedNamingItsKey() {
    assertThatThrownBy(() -> read("{\"secureCookie\": \"yes\"}"))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("gateway.secureCookie: ");
    assertThatThrownBy(() -> read("{\"tokenTtlMinutes\": 0}")).hasMessageStartingWith("gateway.tokenTtlMinutes: ");
    assertThatThrownBy(() -> read("{\"allowedOrigins\": \"https://ops.example\"}")).hasMessageStartingWith("gateway.allowedOrigins: ");
  }

  @Test
  void theAdminPasswordStaysOutOfToString() {
    GatewayConfig c = GatewayConfig.defaults().withNodeValues("127.0.0.1", 0, GatewayConfig.defaults().rules(), "hunter22");

    assertThat(c.toString()).doesNotContain("hunter22").contains("initialAdminPassword=set");
  }
}
