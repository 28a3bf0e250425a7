package dev.opsbus.node;

import com.hazelcast.cluster.Member;
import com.hazelcast.config.ClasspathXmlConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.NetworkConfig;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.List;

/** Builds the Hazelcast cluster manager from the {@code cluster.xml} in the jar and the node's settings. */
final class ClusterSetup {

  /** The Hazelcast configuration every node reads, copied into the jar from the project's top level. */
  static final String CLUSTER_XML = "cluster.xml";

  private ClusterSetup() {
  }

  static Config hazelcastConfig(NodeSettings s) {
    // cluster.xml says slf4j too, but Hazelcast logs while reading it, before that setting applies
    if (System.getProperty("hazelcast.logging.type") == null) {
      System.setProperty("hazelcast.logging.type", "slf4j");
    }
    Config config;
    try {
      config = new ClasspathXmlConfig(ClusterSetup.class.getClassLoader(), CLUSTER_XML);
    } catch (RuntimeException e) {
      throw new NodeStartException("cannot read " + CLUSTER_XML + " from the classpath: " + NodeDatabase.rootMessage(e), e);
    }
    ClusterExposure.requirePrivate(s.clusterHost(), s.clusterAllowPublic());
    config.setClusterName(s.clusterName());
    NetworkConfig network = config.getNetworkConfig();
    network.getJoin().getTcpIpConfig().setEnabled(true).setMembers(List.copyOf(s.clusterMembers()));
    network.getInterfaces().setEnabled(true).setInterfaces(List.of(s.clusterHost()));
    return config;
  }

  /** The member attribute in which Vert.x keeps its node id (the opsbus node id), beside Hazelcast's own member UUID. */
  static final String VERTX_NODE_ID_ATTRIBUTE = "__vertx.nodeId";

  /** The opsbus node id of a member (Vert.x's, not Hazelcast's member UUID); the UUID when it has none. */
  static String nodeIdOf(Member member) {
    String id = member.getAttribute(VERTX_NODE_ID_ATTRIBUTE);
    return id != null ? id : "(member " + member.getUuid() + ")";
  }

  static HazelcastClusterManager clusterManager(NodeSettings s) {
    return new HazelcastClusterManager(hazelcastConfig(s));
  }
}
