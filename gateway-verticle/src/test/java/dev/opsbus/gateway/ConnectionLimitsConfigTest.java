package dev.opsbus.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opsbus.gateway.http.ConnectionLimits;
import dev.opsbus.model.Json;
import dev.opsbus.model.config.ConfigException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The connection keys of the {@code gateway} section: read, checked by their path, the token kept out of logs. */
class ConnectionLimitsConfigTest {

  private static GatewayConfig read(String section) throws Exception {
    return GatewayConfig.fromJson(Json.MAPPER.readTree(section), GatewayConfig.defaults());
  }

  @Test
  void theKeysAreReadAndTheRestKeepTheirDefaults() throws Exception {
    ConnectionLimits c = read("""
        {"headerTimeoutMs": 2500, "maxSocketsPerAddress": 9, "metricsToken": "0123456789abcdef-x", "metricsPort": 9464,
         "refusalAuditWindowMs": 30000, "tokenTtlMinutes": 5, "eventLoops": 3}
        """).connections();
    assertThat(c.headerTimeout()).isEqualTo(Duration.ofMillis(2500));
    assertThat(c.maxSocketsPerAddress()).isEqualTo(9);
    assertThat(c.metricsToken()).isEqualTo("0123456789abcdef-x");
    assertThat(c.metricsPort()).isEqualTo(9464);
    assertThat(c.metricsHost()).isEqualTo("127.0.0.1");
    assertThat(c.refusalAuditWindow()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.eventLoops()).isEqualTo(3);
    assertThat(ConnectionLimits.defaults().eventLoops()).as("one loop unless asked").isEqualTo(1);
    assertThat(c.maxAnonymousSockets()).isEqualTo(ConnectionLimits.defaults().maxAnonymousSockets());
    assertThat(c.toString()).doesNotContain("0123456789abcdef").contains("metricsToken=set");
    assertThat(GatewayConfig.defaults().connections()).isEqualTo(ConnectionLimits.defaults());
  }

  @Test
  void badValuesAreRefusedNamingTheirKey() {
    assertThatThrownBy(() -> read("{\"maxSockets\": 0}")).isInstanceOf(ConfigException.class).hasMessageStartingWith("gateway.maxSockets: ");
    assertThatThrownBy(() -> read("{\"headerTimeoutMs\": -1}")).hasMessageStartingWith("gateway.headerTimeoutMs: ");
    assertThatThrownBy(() -> read("{\"metricsToken\": \"short\"}")).hasMessageStartingWith("gateway.metricsToken: ")
        .hasMessageContaining("16");
    assertThatThrownBy(() -> read("{\"metricsPort\": 70000}")).hasMessageStartingWith("gateway.metricsPort: ");
    assertThatThrownBy(() -> read("{\"eventLoops\": 0}")).hasMessageStartingWith("gateway.eventLoops: ");
    assertThatThrownBy(() -> read("{\"eventLoops\": 65}")).hasMessageStartingWith("gateway.eventLoops: ").hasMessageContaining("1-64");
    assertThatThrownBy(() -> read("{\"maxSocketsPerIp\": 3}")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("gateway.maxSocketsPerIp");
  }
}
