package dev.opsbus.operations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opsbus.model.Json;
import dev.opsbus.model.config.ConfigException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class OperationsConfigTest {

  private static final OperationsConfig DEFAULTS = OperationsConfig.defaults(null, null);

  private static OperationsConfig read(String section) throws Exception {
    return OperationsConfig.fromJson(Json.MAPPER.readTree(section), DEFAULTS);
  }

  @Test
  void everyFieldIsAKey() throws Exception {
    OperationsConfig c = read("""
        {"heartbeatMs": 2000, "nodeLostAfterSeconds": 8, "retentionDays": 30, "schedulerTickMs": 500, "dbPoolSize": 3,
         "maxRunning": 50, "maxQueued": 1000,
         "commands": [{"name": "disk_report", "command": "df -h {mount}",
                       "params": [{"name": "mount", "kind": "string", "pattern": "^/[a-z]*$"},
                                  {"name": "unit", "kind": "enum", "values": ["k", "m"], "required": false}],
                       "roles": ["operator", "viewer"], "timeoutSeconds": 60},
                      {"name": "uptime", "command": "uptime"}]}
        """);

    assertThat(c.heartbeat()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.nodeLostAfter()).isEqualTo(Duration.ofSeconds(8));
    assertThat(c.retention()).isEqualTo(Duration.ofDays(30));
    assertThat(c.schedulerTick()).isEqualTo(Duration.ofMillis(500));
    assertThat(c.dbPoolSize()).isEqualTo(3);
    assertThat(c.maxRunning()).isEqualTo(50);
    assertThat(c.maxQueued()).isEqualTo(1000);
    assertThat(c.commands()).containsExactly(
        new OperationsConfig.CommandOperation("disk_report", "df -h {mount}", List.of(
            new OperationsConfig.Param("mount", "string", "^/[a-z]*$", List.of(), true),
            new OperationsConfig.Param("unit", "enum", null, List.of("k", "m"), false)),
            List.of("operator", "viewer"), Duration.ofSeconds(60)),
        new OperationsConfig.CommandOperation("uptime", "uptime", List.of(), List.of("operator"),
            OperationsConfig.CommandOperation.DEFAULT_TIMEOUT));
    assertThat(OperationsConfig.KEYS).hasSize(OperationsConfig.class.getRecordComponents().length - 2);
  }

  @Test
  void anEmptySectionKeepsTheDefaults() throws Exception {
    assertThat(read("{}")).isEqualTo(DEFAULTS);
  }

  @Test
  void anUnknownKeyIsRefusedByItsPathEvenInsideACommand() {
    assertThatThrownBy(() -> read("{\"heartbeat\": 5}"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("operations.heartbeat").hasMessageContaining("heartbeatMs");
    assertThatThrownBy(() -> read("{\"commands\": [{\"name\": \"a\", \"command\": \"true\", \"timeout\": 5}]}"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("operations.commands[0].timeout");
  }

  @Test
  void aBadValueIsRefusedNamingItsKey() {
    assertThatThrownBy(() -> read("{\"retentionDays\": 0}"))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("operations.retentionDays: ");
    assertThatThrownBy(() -> read("{\"maxRunning\": 0}"))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("operations.maxRunning: ");
    assertThatThrownBy(() -> read("{\"nodeLostAfterSeconds\": 4}"))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("operations.nodeLostAfterSeconds: ")
        .hasMessageContaining("longer than the heartbeat");
    assertThatThrownBy(() -> read("{\"commands\": [{\"name\": \"Bad-Name\", \"command\": \"true\"}]}"))
        .hasMessageStartingWith("operations.commands[0].name: ");
    assertThatThrownBy(() -> read("{\"commands\": [{\"name\": \"a\", \"command\": \"true\", \"roles\": [\"root\"]}]}"))
        .hasMessageStartingWith("operations.commands[0].roles: ").hasMessageContaining("root");
    assertThatThrownBy(() -> read("{\"commands\": [{\"name\": \"a\", \"command\": \"x {p}\", \"params\": [{\"name\": \"p\", \"kind\": \"float\"}]}]}"))
        .hasMessageStartingWith("operations.commands[0].params[0].kind: ");
    assertThatThrownBy(() -> read("{\"commands\": [{\"name\": \"a\", \"command\": \"x {p}\", \"params\": [{\"name\": \"p\", \"pattern\": \"[\"}]}]}"))
        .hasMessageStartingWith("operations.commands[0].params[0].pattern: ");
    assertThatThrownBy(() -> read("{\"commands\": [{\"name\": \"ssh_test\", \"command\": \"true\"}]}"))
        .hasMessageStartingWith("operations.commands[0].name: ").hasMessageContaining("built in");
  }
}
