package dev.opsbus.node;

import static org.assertj.core.api.Assertions.assertThat;

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
}
