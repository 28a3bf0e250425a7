package dev.opsbus.testkit;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MultiMapConfig;
import com.hazelcast.config.NetworkConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.UUID;

/** A clustered Vert.x on loopback, in a cluster of its own name so parallel test runs never meet. */
public final class TestCluster {

  private TestCluster() {
  }

  public record Node(Vertx vertx, HazelcastClusterManager manager) {

    /** How many bus registrations the whole cluster holds for {@code address}. */
    public int registrations(String address) {
      return manager.getHazelcastInstance().getMultiMap("__vertx.subs").get(address).size();
    }
  }

  public static String newName() {
    return "opsbus-test-" + UUID.randomUUID().toString().substring(0, 8);
  }

  public static Node start(String clusterName) {
    Config hz = new Config().setClusterName(clusterName);
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    hz.setProperty("hazelcast.wait.seconds.before.join", "1");
    hz.setProperty("hazelcast.logging.type", "slf4j");
    hz.addMultiMapConfig(new MultiMapConfig("__vertx.subs").setBackupCount(1).setValueCollectionType(MultiMapConfig.ValueCollectionType.SET));
    NetworkConfig net = hz.getNetworkConfig().setPort(5901).setPortAutoIncrement(true).setPortCount(50);
    net.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    JoinConfig join = net.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).addMember("127.0.0.1");
    HazelcastClusterManager mgr = new HazelcastClusterManager(hz);
    Vertx vertx;
    try {
      vertx = Vertx.builder()
          .with(new VertxOptions().setEventBusOptions(new EventBusOptions().setHost("127.0.0.1").setClusterPublicHost("127.0.0.1")))
          .withClusterManager(mgr)
          .buildClustered().toCompletionStage().toCompletableFuture().get(60, java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("clustered Vert.x did not start", e);
    }
    return new Node(vertx, mgr);
  }
}
