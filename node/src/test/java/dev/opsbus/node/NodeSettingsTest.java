package dev.opsbus.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opsbus.gateway.bridge.BridgeLimits;
import dev.opsbus.model.PermissionRules;
import dev.opsbus.operations.OperationsConfig;
import dev.opsbus.ssh.SshRelayConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeSettingsTest {

  @TempDir
  Path dir;

  private Path config(String json) throws Exception {
    Path f = dir.resolve("opsbus.json");
    Files.writeString(f, json);
    return f;
  }

  @Test
  void defaultsAreThoseOfTheDesign() {
    NodeSettings s = NodeSettings.parse(List.of(), Map.of());

    assertThat(s.httpPort()).isEqualTo(8080);
    assertThat(s.httpHost()).isEqualTo("0.0.0.0");
    assertThat(s.verticles()).containsExactly(VerticleKind.GATEWAY, VerticleKind.METRICS, VerticleKind.OPERATIONS, VerticleKind.SSH_RELAY);
    assertThat(s.cluster()).isFalse();
    assertThat(s.clusterMembers()).containsExactly("127.0.0.1");
    assertThat(s.clusterHost()).isEqualTo("127.0.0.1");
    assertThat(s.embeddedDatabase()).isTrue();
    assertThat(s.dataDir()).isEqualTo(Path.of("opsbus-data"));
    assertThat(s.demo()).isFalse();
    assertThat(s.adminPassword()).isNull();
    assertThat(s.permissions().rules()).hasSameSizeAs(PermissionRules.defaults().rules());
    assertThat(s.gateway().bridge()).isEqualTo(BridgeLimits.defaults());
    assertThat(s.metrics().period()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void flagBeatsEnvironmentWhichBeatsConfigFileWhichBeatsDefault() throws Exception {
    Path f = config("{\"node\": {\"httpPort\": 7001, \"httpHost\": \"127.0.0.2\", \"verticles\": [\"metrics\"], \"dataDir\": \"from-file\"}}");

    NodeSettings s = NodeSettings.parse(
        List.of("--config", f.toString(), "--http-port", "7003"),
        Map.of("OPSBUS_HTTP_PORT", "7002", "OPSBUS_HTTP_HOST", "127.0.0.3"));

    assertThat(s.httpPort()).isEqualTo(7003);
    assertThat(s.httpHost()).isEqualTo("127.0.0.3");
    assertThat(s.verticles()).containsExactly(VerticleKind.METRICS);
    assertThat(s.dataDir()).isEqualTo(Path.of("from-file"));
    assertThat(s.configFile()).isEqualTo(f);
  }

  @Test
  void configFileIsFoundThroughTheEnvironmentToo() throws Exception {
    Path f = config("{\"node\": {\"cluster\": true, \"clusterMembers\": \"10.0.0.1:5701,10.0.0.2\"}}");

    NodeSettings s = NodeSettings.parse(List.of(), Map.of("OPSBUS_CONFIG", f.toString()));

    assertThat(s.cluster()).isTrue();
    assertThat(s.clusterMembers()).containsExactly("10.0.0.1:5701", "10.0.0.2");
  }

  @Test
  void switchesAndTheirEnvironmentVariablesTurnFeaturesOn() {
    assertThat(NodeSettings.parse(List.of("--cluster", "--demo"), Map.of()).cluster()).isTrue();
    assertThat(NodeSettings.parse(List.of(), Map.of("OPSBUS_CLUSTER", "true", "OPSBUS_DEMO", "TRUE")).demo()).isTrue();
    assertThat(NodeSettings.parse(List.of("--cluster=false"), Map.of("OPSBUS_CLUSTER", "true")).cluster()).isFalse();
    assertThat(NodeSettings.parse(List.of("--http-port=0"), Map.of()).httpPort()).isZero();
  }

  @Test
  void sectionsOfTheConfigFileBuildTheTypedConfig() throws Exception {
    Path f = config("""
        {
          "permissions": {"rules": [
            {"address": "metrics.node", "directions": ["subscribe"], "roles": ["viewer"], "overflow": "latest"}
          ]},
          "gateway": {"allowedOrigins": ["https://ops.example"], "tokenTtlMinutes": 5, "secureCookie": true, "dbPoolSize": 3},
          "bridge": {"queueBound": 16, "ratePerSecond": 7, "idleTimeoutMs": 1500, "requestTimeoutMs": 2500},
          "metrics": {"periodMs": 250}
        }
        """);

    NodeSettings s = NodeSettings.parse(List.of("--config", f.toString()), Map.of());

    assertThat(s.permissions().rules()).hasSize(1);
    assertThat(s.gateway().allowedOrigins()).containsExactly("https://ops.example");
    assertThat(s.gateway().tokenTtl()).isEqualTo(Duration.ofMinutes(5));
    assertThat(s.gateway().secureCookie()).isTrue();
    assertThat(s.gateway().dbPoolSize()).isEqualTo(3);
    assertThat(s.gateway().bridge().queueBound()).isEqualTo(16);
    assertThat(s.gateway().bridge().ratePerSecond()).isEqualTo(7);
    assertThat(s.gateway().bridge().maxFrameBytes()).isEqualTo(BridgeLimits.DEFAULT_MAX_FRAME_BYTES);
    assertThat(s.gateway().bridge().idleTimeout()).isEqualTo(Duration.ofMillis(1500));
    assertThat(s.gateway().bridge().requestTimeout()).isEqualTo(Duration.ofMillis(2500));
    assertThat(s.metrics().period()).isEqualTo(Duration.ofMillis(250));
  }

  @Test
  void relayAndOperationsSectionsBuildTheirConfigsWithTheNodesOwnValues() throws Exception {
    Path f = config("""
        {
          "node": {"dataDir": "relay-data", "verticles": ["ssh-relay", "operations"]},
          "sshRelay": {"idleTimeoutSeconds": 600, "maxSessionsPerUser": 2, "recordInput": true, "dbPoolSize": 2},
          "operations": {"heartbeatMs": 2000, "nodeLostAfterSeconds": 8, "retentionDays": 30, "dbPoolSize": 3,
                         "commands": [{"name": "uptime", "command": "uptime"}]}
        }
        """);

    NodeSettings s = NodeSettings.parse(List.of("--config", f.toString()), Map.of());

    assertThat(s.sshRelay().dataDir()).isEqualTo(Path.of("relay-data"));
    assertThat(s.sshRelay().idleTimeout()).isEqualTo(Duration.ofMinutes(10));
    assertThat(s.sshRelay().maxSessionsPerUser()).isEqualTo(2);
    assertThat(s.sshRelay().maxSessionsPerNode()).isEqualTo(SshRelayConfig.DEFAULT_MAX_SESSIONS_PER_NODE);
    assertThat(s.sshRelay().recordInput()).isTrue();
    assertThat(s.sshRelay().dbPoolSize()).isEqualTo(2);
    assertThat(s.operations().heartbeat()).isEqualTo(Duration.ofSeconds(2));
    assertThat(s.operations().nodeLostAfter()).isEqualTo(Duration.ofSeconds(8));
    assertThat(s.operations().retention()).isEqualTo(Duration.ofDays(30));
    assertThat(s.operations().dbPoolSize()).isEqualTo(3);
    assertThat(s.operations().commands()).extracting(OperationsConfig.CommandOperation::name).containsExactly("uptime");
    assertThat(s.metrics().verticles()).containsExactly("ssh-relay", "operations");
    assertThat(s.sshRelay().forNode("n1", null).nodeId()).isEqualTo("n1");
  }

  @Test
  void theDrainSectionSetsTheDrainTimeoutAndTheReconnectWindow() throws Exception {
    assertThat(NodeSettings.parse(List.of(), Map.of()).drain()).isEqualTo(DrainConfig.defaults());
    Path f = config("{\"drain\": {\"timeoutSeconds\": 40, \"reconnectWindowMs\": 9000}}");
    NodeSettings s = NodeSettings.parse(List.of("--config", f.toString()), Map.of());
    assertThat(s.drain().timeout()).isEqualTo(Duration.ofSeconds(40));
    assertThat(s.drain().reconnectWindow()).isEqualTo(Duration.ofMillis(9000));

    Path bad = config("{\"drain\": {\"timeoutSecs\": 5}}");
    assertThatThrownBy(() -> NodeSettings.parse(List.of("--config", bad.toString()), Map.of()))
        .isInstanceOf(SettingsException.class)
        .hasMessageStartingWith("config file " + bad + ": unknown key 'drain.timeoutSecs' (known: ");
  }

  @Test
  void theGatewayConfigCarriesTheNodesHostPortRulesAndAdminPassword() {
    NodeSettings s = NodeSettings.parse(List.of("--http-host", "127.0.0.2", "--http-port", "7005"),
        Map.of("OPSBUS_ADMIN_PASSWORD", "hunter22"));

    assertThat(s.gateway().host()).isEqualTo("127.0.0.2");
    assertThat(s.gateway().port()).isEqualTo(7005);
    assertThat(s.gateway().initialAdminPassword()).isEqualTo("hunter22");
    assertThat(s.gateway().rules()).isSameAs(s.permissions());
  }

  @Test
  void aBadRelayOrOperationsValueNamesItsKeyAndTheFile() throws Exception {
    Path relay = config("{\"sshRelay\": {\"idleTimeoutSeconds\": -5}}");
    assertThatThrownBy(() -> NodeSettings.parse(List.of("--config", relay.toString()), Map.of()))
        .isInstanceOf(SettingsException.class)
        .hasMessage("sshRelay.idleTimeoutSeconds in config file " + relay + ": must be a positive whole number, got -5");

    Path ops = config("{\"operations\": {\"retentionDay\": 5}}");
    assertThatThrownBy(() -> NodeSettings.parse(List.of("--config", ops.toString()), Map.of()))
        .isInstanceOf(SettingsException.class)
        .hasMessageStartingWith("config file " + ops + ": unknown key 'operations.retentionDay' (known: ");
  }

  @Test
  void adminPasswordComesFromTheEnvironmentAndStaysOutOfToString() {
    NodeSettings s = NodeSettings.parse(List.of("--pg-url", "postgresql://ops:s3cret@db.local:5433/opsbus"),
        Map.of("OPSBUS_ADMIN_PASSWORD", "hunter22"));

    assertThat(s.adminPassword()).isEqualTo("hunter22");
    assertThat(s.pgUrl()).isEqualTo("postgresql://ops:s3cret@db.local:5433/opsbus");
    assertThat(s.toString()).doesNotContain("hunter22").doesNotContain("s3cret").contains("postgresql://ops:***@db.local:5433/opsbus");
  }

  @Test
  void unknownFlagIsRefusedByName() {
    assertThatThrownBy(() -> NodeSettings.parse(List.of("--bogus"), Map.of()))
        .isInstanceOf(SettingsException.class).hasMessageContaining("--bogus");
  }

  @Test
  void flagWithoutItsValueIsRefused() {
    assertThatThrownBy(() -> NodeSettings.parse(List.of("--http-port"), Map.of()))
        .isInstanceOf(SettingsException.class).hasMessageContaining("--http-port needs a value");
  }

  @Test
  void badValueNamesTheVariableItCameFrom() {
    assertThatThrownBy(() -> NodeSettings.parse(List.of(), Map.of("OPSBUS_HTTP_PORT", "70000")))
        .isInstanceOf(SettingsException.class).hasMessageContaining("OPSBUS_HTTP_PORT").hasMessageContaining("70000");
    assertThatThrownBy(() -> NodeSettings.parse(List.of("--cluster-members", "a:b"), Map.of()))
        .isInstanceOf(SettingsException.class).hasMessageContaining("--cluster-members").hasMessageContaining("a:b");
    assertThatThrownBy(() -> NodeSettings.parse(List.of("--pg-url", "mysql://x"), Map.of()))
        .isInstanceOf(SettingsException.class).hasMessageContaining("--pg-url");
  }

  @Test
  void unknownOrRepeatedVerticleIsRefusedWithTheKnownNames() {
    assertThatThrownBy(() -> NodeSettings.parse(List.of("--verticles", "gateway,teleport"), Map.of()))
        .isInstanceOf(SettingsException.class)
        .hasMessageContaining("teleport").hasMessageContaining("gateway,metrics,operations,ssh-relay");
    assertThatThrownBy(() -> NodeSettings.parse(List.of("--verticles", "gateway,gateway"), Map.of()))
        .isInstanceOf(SettingsException.class).hasMessageContaining("twice");
  }

  @Test
  void missingConfigFileIsRefused() {
    assertThatThrownBy(() -> NodeSettings.parse(List.of("--config", dir.resolve("absent.json").toString()), Map.of()))
        .isInstanceOf(SettingsException.class).hasMessageContaining("absent.json").hasMessageContaining("no such file");
  }

  @Test
  void malformedConfigFileIsRefusedWithItsLine() throws Exception {
    Path f = config("{\n  \"gateway\": {\"tokenTtlMinutes\": }\n}");

    assertThatThrownBy(() -> NodeSettings.parse(List.of("--config", f.toString()), Map.of()))
        .isInstanceOf(SettingsException.class).hasMessageContaining("not valid JSON").hasMessageContaining("line 2");
  }

  @Test
  void unknownOrMistypedConfigKeyIsRefusedByItsPath() throws Exception {
    Path typo = config("{\"bridge\": {\"queuebound\": 5}}");
    assertThatThrownBy(() -> NodeSettings.parse(List.of("--config", typo.toString()), Map.of()))
        .isInstanceOf(SettingsException.class).hasMessageContaining("bridge.queuebound");

    Path wrongType = config("{\"gateway\": {\"secureCookie\": \"yes\"}}");
    assertThatThrownBy(() -> NodeSettings.parse(List.of("--config", wrongType.toString()), Map.of()))
        .isInstanceOf(SettingsException.class).hasMessageContaining("gateway.secureCookie");

    Path badRule = config("{\"permissions\": {\"rules\": [{\"address\": \"metrics.node\", \"roles\": [\"viewer\"]}]}}");
    assertThatThrownBy(() -> NodeSettings.parse(List.of("--config", badRule.toString()), Map.of()))
        .isInstanceOf(SettingsException.class).hasMessageContaining("permissions.rules");

    Path tooFast = config("{\"metrics\": {\"periodMs\": 10}}");
    assertThatThrownBy(() -> NodeSettings.parse(List.of("--config", tooFast.toString()), Map.of()))
        .isInstanceOf(SettingsException.class).hasMessageContaining("metrics.periodMs");
  }

  @Test
  void builderStartsFromTheDefaultsAndChangesOneValueAtATime() {
    NodeSettings s = NodeSettings.builder().httpPort(0).verticles(VerticleKind.METRICS).build();

    assertThat(s.httpPort()).isZero();
    assertThat(s.verticles()).containsExactly(VerticleKind.METRICS);
    assertThat(s.toBuilder().cluster(true).build().httpPort()).isZero();
  }

  @Test
  void trustedProxiesAreReadFromTheGatewaySectionAndABadBlockIsRefusedByItsPath() throws Exception {
    assertThat(NodeSettings.parse(List.of(), Map.of()).gateway().trustedProxies()).isEmpty();
    Path f = config("{\"gateway\": {\"trustedProxies\": [\"10.0.0.0/8\", \"::1\"]}}");
    assertThat(NodeSettings.parse(List.of("--config", f.toString()), Map.of()).gateway().trustedProxies()).containsExactly("10.0.0.0/8", "::1");
    Path bad = config("{\"gateway\": {\"trustedProxies\": [\"proxy.example\"]}}");
    assertThatThrownBy(() -> NodeSettings.parse(List.of("--config", bad.toString()), Map.of()))
        .isInstanceOf(SettingsException.class).hasMessageContaining("gateway.trustedProxies").hasMessageContaining("proxy.example");
  }
}
