package dev.opsbus.gateway.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opsbus.model.Json;
import dev.opsbus.model.config.ConfigException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class BridgeLimitsTest {

  private static BridgeLimits read(String section) throws Exception {
    return BridgeLimits.fromJson(Json.MAPPER.readTree(section), BridgeLimits.defaults());
  }

  @Test
  void keysLeftOutKeepTheirDefaults() throws Exception {
    BridgeLimits b = read("{\"queueBound\": 16, \"ratePerSecond\": 7, \"idleTimeoutMs\": 1500, \"requestTimeoutMs\": 2500}");

    assertThat(b.queueBound()).isEqualTo(16);
    assertThat(b.ratePerSecond()).isEqualTo(7);
    assertThat(b.idleTimeout()).isEqualTo(Duration.ofMillis(1500));
    assertThat(b.requestTimeout()).isEqualTo(Duration.ofMillis(2500));
    assertThat(b.maxFrameBytes()).isEqualTo(BridgeLimits.DEFAULT_MAX_FRAME_BYTES);
    assertThat(b.rateBurst()).isEqualTo(BridgeLimits.DEFAULT_RATE_BURST);
  }

  @Test
  void anUnknownKeyIsRefusedByItsPath() {
    assertThatThrownBy(() -> read("{\"queuebound\": 5}"))
        .isInstanceOfSatisfying(ConfigException.class, e -> {
          assertThat(e.isUnknownKey()).isTrue();
          assertThat(e.key()).isEqualTo("bridge.queuebound");
        });
  }

  @Test
  void aBadValueIsRefusedNamingItsKey() {
    assertThatThrownBy(() -> read("{\"maxFrameBytes\": 0}"))
        .isInstanceOf(ConfigException.class).hasMessage("bridge.maxFrameBytes: must be a positive whole number, got 0");
    assertThatThrownBy(() -> read("{\"queueBound\": 3000000000}")).hasMessage("bridge.queueBound: 3000000000 is too large");
    assertThatThrownBy(() -> read("{\"idleTimeoutMs\": \"30s\"}")).hasMessageStartingWith("bridge.idleTimeoutMs: ");
  }
}
