package dev.opsbus.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.config.Config;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterSetupTest {

  @Test
  void clusterXmlFromTheJarJoinsOnLoopbackWithoutMulticast() {
    Config c = ClusterSetup.hazelcastConfig(NodeSettings.builder().build());

    assertThat(c.getNetworkConfig().getJoin().getMulticastConfig().isEnabled()).isFalse();
    assertThat(c.getNetworkConfig().getJoin().getAutoDetectionConfig().isEnabled()).isFalse();
    assertThat(c.getNetworkConfig().getJoin().getTcpIpConfig().isEnabled()).isTrue();
    assertThat(c.getNetworkConfig().getJoin().getTcpIpConfig().getMembers()).containsExactly("127.0.0.1");
    assertThat(c.getNetworkConfig().getInterfaces().getInterfaces()).containsExactly("127.0.0.1");
    assertThat(c.getNetworkConfig().getPort()).isEqualTo(5701);
    assertThat(c.getProperty("hazelcast.phone.home.enabled")).isEqualTo("false");
    assertThat(c.getProperty("hazelcast.wait.seconds.before.join")).isEqualTo("1");
    assertThat(c.getMultiMapConfigs()).containsKey("__vertx.subs");
    assertThat(c.getMapConfigs()).containsKeys("__vertx.haInfo", "__vertx.nodeInfo");
  }

  @Test
  void membersHostAndNameComeFromTheSettings() {
    Config c = ClusterSetup.hazelcastConfig(NodeSettings.builder()
        .clusterMembers(List.of("10.1.0.1:5701", "10.1.0.2")).clusterHost("10.1.0.3").clusterName("staging").build());

    assertThat(c.getNetworkConfig().getJoin().getTcpIpConfig().getMembers()).containsExactly("10.1.0.1:5701", "10.1.0.2");
    assertThat(c.getNetworkConfig().getInterfaces().getInterfaces()).containsExactly("10.1.0.3");
    assertThat(c.getClusterName()).isEqualTo("staging");
  }

  @Test
  void aClusterOnAPublicOrWildcardAddressIsRefusedWithoutTheExplicitFlag() {
    assertThatThrownBy(() -> ClusterSetup.hazelcastConfig(NodeSettings.builder().clusterHost("8.8.8.8").build()))
        .isInstanceOf(NodeStartException.class).hasMessageContaining("public address").hasMessageContaining("--cluster-allow-public");
    assertThatThrownBy(() -> ClusterSetup.hazelcastConfig(NodeSettings.builder().clusterHost("0.0.0.0").build()))
        .isInstanceOf(NodeStartException.class).hasMessageContaining("every interface");
    assertThatThrownBy(() -> ClusterSetup.hazelcastConfig(NodeSettings.builder().clusterHost("2001:4860:4860::8888").build()))
        .isInstanceOf(NodeStartException.class);

    Config allowed = ClusterSetup.hazelcastConfig(NodeSettings.builder().clusterHost("8.8.8.8").clusterAllowPublic(true).build());
    assertThat(allowed.getNetworkConfig().getInterfaces().getInterfaces()).containsExactly("8.8.8.8");
    for (String privateHost : List.of("127.0.0.1", "10.0.0.5", "172.16.3.4", "192.168.1.9", "100.64.0.1", "fd00::1", "::1")) {
      assertThat(ClusterSetup.hazelcastConfig(NodeSettings.builder().clusterHost(privateHost).build())).isNotNull();
    }
  }

  @Test
  void theFlagIsReadFromTheCommandLine() {
    assertThat(NodeSettings.parse(List.of("--cluster-allow-public"), java.util.Map.of()).clusterAllowPublic()).isTrue();
    assertThat(NodeSettings.parse(List.of(), java.util.Map.of()).clusterAllowPublic()).isFalse();
    assertThat(NodeSettings.parse(List.of("--tcp-bridge-port", "7001"), java.util.Map.of()).gateway().services().tcpBridgePort()).isEqualTo(7001);
  }
}
