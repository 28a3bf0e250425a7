package dev.opsbus.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opsbus.model.Json;
import dev.opsbus.model.config.ConfigException;
import dev.opsbus.ssh.recording.RecordingLimits;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SshRelayConfigTest {

  private static final SshRelayConfig DEFAULTS = SshRelayConfig.defaults(null, null, Path.of("data"));

  private static SshRelayConfig read(String section) throws Exception {
    return SshRelayConfig.fromJson(Json.MAPPER.readTree(section), DEFAULTS);
  }

  @Test
  void everyFieldIsAKey() throws Exception {
    SshRelayConfig c = read("""
        {"connectTimeoutMs": 2500, "reattachGraceSeconds": 5, "idleTimeoutSeconds": 600, "maxSessionsPerUser": 2,
         "maxSessionsPerNode": 20, "scrollbackBytes": 65536, "recordInput": true, "healthPeriodSeconds": 10, "dbPoolSize": 2,
         "recordingMaxBytes": 100000, "recordingMaxAgeHours": 48, "recordingMaxTotalBytes": 5000000, "recordingSweepSeconds": 60,
         "logReplayLines": 50,
         "poolMaxPerHost": 3, "poolMaxTotal": 50, "poolChannelsPerConnection": 2, "poolIdleSeconds": 90, "keepAliveSeconds": 7}
        """);

    assertThat(c).isEqualTo(SshRelayConfig.builder(null, null, Path.of("data"))
        .connectTimeout(Duration.ofMillis(2500)).reattachGrace(Duration.ofSeconds(5)).idleTimeout(Duration.ofMinutes(10))
        .maxSessionsPerUser(2).maxSessionsPerNode(20).scrollbackBytes(65536).recordInput(true)
        .healthPeriod(Duration.ofSeconds(10)).dbPoolSize(2)
        .recordings(new RecordingLimits(100_000, Duration.ofHours(48), 5_000_000, Duration.ofSeconds(60)))
        .logReplayLines(50)
        .pool(new ConnectionPoolSettings(3, 50, 2, Duration.ofSeconds(90), Duration.ofSeconds(7)))
        .build());
    // nodeId, db, dataDir, secrets are not the section's; recordings holds four keys, pool five
    assertThat(SshRelayConfig.KEYS).hasSize(SshRelayConfig.class.getRecordComponents().length - 6 + 4 + 5);
  }

  @Test
  void recordingLimitsThatCannotHoldARecordingAreRefusedNamingTheKey() {
    assertThatThrownBy(() -> read("{\"recordingMaxBytes\": 100}")).hasMessageContaining("sshRelay.recordingMaxBytes")
        .hasMessageContaining("at least 4096");
    assertThatThrownBy(() -> read("{\"recordingMaxBytes\": 10000, \"recordingMaxTotalBytes\": 5000}"))
        .hasMessageContaining("recordingMaxTotalBytes");
  }

  @Test
  void aPoolValueMustBePositive() {
    assertThatThrownBy(() -> read("{\"poolMaxPerHost\": 0}"))
        .isInstanceOf(ConfigException.class).hasMessage("sshRelay.poolMaxPerHost: must be a positive whole number, got 0");
  }

  @Test
  void anEmptySectionKeepsTheDefaults() throws Exception {
    assertThat(read("{}")).isEqualTo(DEFAULTS);
  }

  @Test
  void anUnknownKeyIsRefusedByItsPath() {
    assertThatThrownBy(() -> read("{\"idleTimeoutMs\": 1000}"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("sshRelay.idleTimeoutMs")
        .hasMessageContaining("idleTimeoutSeconds");
  }

  @Test
  void aBadValueIsRefusedNamingItsKey() {
    assertThatThrownBy(() -> read("{\"maxSessionsPerNode\": 0}"))
        .isInstanceOf(ConfigException.class).hasMessage("sshRelay.maxSessionsPerNode: must be a positive whole number, got 0");
    assertThatThrownBy(() -> read("{\"recordInput\": 1}")).hasMessageStartingWith("sshRelay.recordInput: ");
  }
}
