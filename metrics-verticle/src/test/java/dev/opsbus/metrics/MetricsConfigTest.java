package dev.opsbus.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opsbus.model.Json;
import dev.opsbus.model.config.ConfigException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsConfigTest {

  private static MetricsConfig read(String section) throws Exception {
    return MetricsConfig.fromJson(Json.MAPPER.readTree(section), MetricsConfig.defaults());
  }

  @Test
  void thePeriodIsReadInMilliseconds() throws Exception {
    assertThat(read("{\"periodMs\": 250}").period()).isEqualTo(Duration.ofMillis(250));
    assertThat(read("{}").period()).isEqualTo(MetricsConfig.DEFAULT_PERIOD);
  }

  @Test
  void theNodeFillsWhatExistsOnlyOnceItRuns() throws Exception {
    Instant t = Instant.parse("2026-01-01T00:00:00Z");
    MetricsConfig c = read("{\"periodMs\": 500}").withVerticles(List.of("metrics")).forNode("n1", "1.0", t);

    assertThat(c).isEqualTo(new MetricsConfig("n1", "1.0", t, Duration.ofMillis(500), List.of("metrics")));
  }

  @Test
  void anUnknownKeyIsRefusedByItsPath() {
    assertThatThrownBy(() -> read("{\"period\": 500}"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("metrics.period").hasMessageContaining("periodMs");
  }

  @Test
  void aPeriodTooShortOrNotANumberIsRefusedNamingItsKey() {
    assertThatThrownBy(() -> read("{\"periodMs\": 10}"))
        .isInstanceOf(ConfigException.class).hasMessage("metrics.periodMs: must be at least 100, got 10");
    assertThatThrownBy(() -> read("{\"periodMs\": \"2s\"}")).hasMessageStartingWith("metrics.periodMs: ");
  }
}
