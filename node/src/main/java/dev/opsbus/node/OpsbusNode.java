package dev.opsbus.node;

import com.hazelcast.cluster.Cluster;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import dev.opsbus.demohost.DemoSshServer;
import dev.opsbus.gateway.GatewayVerticle;
import dev.opsbus.metrics.MetricsVerticle;
import dev.opsbus.model.BuildInfo;
import dev.opsbus.model.secret.NodeSecrets;
import dev.opsbus.model.NodeLocal;
import dev.opsbus.operations.OperationsVerticle;
import dev.opsbus.ssh.SshRelayVerticle;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.net.BindException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running opsbus node: its database, its Vert.x (clustered or not) and the verticles it
 * deploys. The launcher, tests and benchmarks start nodes through here.
 *
 * <p>{@link #start} blocks until the node is up (or has failed and cleaned up after itself): call it
 * from a main, test or worker thread, never from an event loop. {@link #stop()} does not block;
 * {@link #close()} does.
 */
public final class OpsbusNode implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(OpsbusNode.class);

  /** Upper bound for one start step (cluster join, one deployment). */
  static final Duration STEP_TIMEOUT = Duration.ofSeconds(60);
  /** Upper bound for closing Vert.x (undeploy, leave the cluster) on stop. */
  static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

  private final NodeSettings settings;
  private final NodeDatabase database;
  private final DemoSshServer demoHost;
  private final Vertx vertx;
  private final HazelcastClusterManager clusterManager;
  private final String nodeId;
  private final Instant startedAt;
  private final NodeSecrets secrets;
  private volatile int httpPort = -1;
  private volatile GatewayVerticle gateway;
  private volatile OperationsVerticle operations;
  private Future<Void> stopping;

  private OpsbusNode(NodeSettings settings, NodeDatabase database, DemoSshServer demoHost, Vertx vertx,
      HazelcastClusterManager clusterManager, String nodeId, Instant startedAt, NodeSecrets secrets) {
    this.settings = settings;
    this.database = database;
    this.demoHost = demoHost;
    this.vertx = vertx;
    this.clusterManager = clusterManager;
    this.nodeId = nodeId;
    this.startedAt = startedAt;
    this.secrets = secrets;
  }

  /**
   * Starts a node: database (embedded or external) and its migrations, then Vert.x (joining the
   * cluster when asked), then with {@code --demo} the demo SSH host (registered as host {@code demo}
   * through the hosts table's owner), then the verticles in the order the settings list them.
   * Blocks until all of that is done.
   *
   * @throws NodeStartException with a one-sentence reason; whatever had started is stopped again
   * @throws IllegalStateException when called on an event-loop thread
   */
  public static OpsbusNode start(NodeSettings settings) {
    return start(settings, System.getenv());
  }

  /**
   * {@link #start(NodeSettings)} with the keys' environment variables read from {@code env}
   * ({@code OPSBUS_CREDENTIALS_KEY}, {@code OPSBUS_JWT_KEY} and their {@code _FILE} forms, see {@link NodeKeys}).
   */
  public static OpsbusNode start(NodeSettings settings, java.util.Map<String, String> env) {
    if (Context.isOnEventLoopThread()) {
      throw new IllegalStateException("OpsbusNode.start blocks: call it from a main, test or worker thread");
    }
    Instant startedAt = Instant.now();
    NodeDatabase db = null;
    DemoSshServer demo = null;
    Vertx vertx = null;
    try {
      db = settings.embeddedDatabase()
          ? NodeDatabase.startEmbedded(settings.dataDir())
          : NodeDatabase.connectExternal(settings.pgUrl());
      db.migrate();
      // the credentials and JWT keys live outside the database; the verticles get them in their configs
      NodeSecrets secrets = NodeKeys.load(settings.dataDir(), env, db).secrets(settings.gateway().tokenTtl());

      HazelcastClusterManager cm = null;
      String nodeId;
      VertxOptions options = new VertxOptions();
      if (settings.cluster()) {
        options.setEventBusOptions(new EventBusOptions()
            .setHost(settings.clusterHost())
            .setPort(EventBusPort.fromEnvironment())
            .setClusterPublicHost(settings.clusterHost()));
        cm = ClusterSetup.clusterManager(settings);
        vertx = awaitStep(settings.transport().builder(options).withClusterManager(cm).buildClustered(),
            "joining the cluster '" + settings.clusterName() + "' via " + String.join(",", settings.clusterMembers()));
        nodeId = cm.getNodeId();
      } else {
        vertx = settings.transport().builder(options).build();
        nodeId = UUID.randomUUID().toString();
      }
      if (settings.demo()) {
        // before the verticles, so that the SSH relay finds host 'demo' from its first read
        demo = DemoHost.start(settings.dataDir(), vertx, db.connectOptions(), secrets.cipher());
      }
      OpsbusNode node = new OpsbusNode(settings, db, demo, vertx, cm, nodeId, startedAt, secrets);
      if (cm != null) {
        node.watchMembers();
      }
      node.deployAll();
      return node;
    } catch (RuntimeException | Error e) {
      if (vertx != null) {
        try {
          awaitStep(vertx.close(), "closing Vert.x after a failed start");
        } catch (RuntimeException closeFailure) {
          LOG.warn("{}", closeFailure.getMessage());
        }
      }
      if (demo != null) {
        demo.close();
      }
      if (db != null) {
        db.close();
      }
      if (e instanceof NodeStartException || e instanceof Error) {
        throw e;
      }
      throw new NodeStartException("node did not start: " + NodeDatabase.rootMessage(e), e);
    }
  }

  private void deployAll() {
    PgConnectOptions db = database.connectOptions();
    List<String> names = settings.verticles().stream().map(VerticleKind::wireName).toList();
    for (VerticleKind kind : settings.verticles()) {
      long t0 = System.nanoTime();
      // each config comes from its section of the settings; only what exists now the node runs is added
      VerticleBase verticle = switch (kind) {
        case GATEWAY -> new GatewayVerticle(settings.gateway().forNode(nodeId, BuildInfo.version(), db).withSecrets(secrets));
        case METRICS -> new MetricsVerticle(settings.metrics().forNode(nodeId, BuildInfo.version(), startedAt));
        case OPERATIONS -> new OperationsVerticle(settings.operations().forNode(nodeId, db));
        case SSH_RELAY -> new SshRelayVerticle(settings.sshRelay().forNode(nodeId, db).withSecrets(secrets));
      };
      try {
        awaitRaw(vertx.deployVerticle(verticle), STEP_TIMEOUT);
      } catch (TimeoutException e) {
        throw new NodeStartException("verticle " + kind + " did not start within " + STEP_TIMEOUT.toSeconds() + " s", e);
      } catch (ExecutionException e) {
        throw new NodeStartException(deployFailure(kind, e.getCause()), e.getCause());
      }
      if (verticle instanceof GatewayVerticle g) {
        gateway = g;
        httpPort = g.actualPort();
      }
      if (verticle instanceof OperationsVerticle o) {
        operations = o;
      }
      LOG.info("deployed {} in {} ms", kind, (System.nanoTime() - t0) / 1_000_000);
    }
    // the gateway's /ready reports the node ready once this is set
    vertx.sharedData().getLocalMap(GatewayVerticle.NODE_MAP).put(GatewayVerticle.NODE_MAP_DEPLOYED, String.join(",", names));
  }

  private String deployFailure(VerticleKind kind, Throwable cause) {
    if (kind == VerticleKind.GATEWAY) {
      for (Throwable t = cause; t != null; t = t.getCause()) {
        String m = String.valueOf(t.getMessage());
        if (m.contains("Cannot assign requested address")) {
          return "http host " + settings.httpHost() + " is not an address of this machine";
        }
        if (m.contains("Permission denied")) {
          return "http port " + settings.httpPort() + " on " + settings.httpHost() + " cannot be bound: permission denied";
        }
        if (m.contains("in use")) {
          return "http port " + settings.httpPort() + " is already in use (on " + settings.httpHost() + ")";
        }
        if (t instanceof BindException) {
          return "http port " + settings.httpPort() + " on " + settings.httpHost() + " cannot be bound: " + m;
        }
      }
    }
    return "verticle " + kind + " failed to start: " + NodeDatabase.rootMessage(cause);
  }

  /**
   * Logs every change of the cluster's membership (by opsbus node id), with the new size, and keeps
   * the members' ids in the node-local map, where the operations sweep reads who is alive.
   */
  private void watchMembers() {
    Cluster cluster = clusterManager.getHazelcastInstance().getCluster();
    cluster.addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent e) {
        publishMembers();
        LOG.info("node {} joined the cluster; {}", ClusterSetup.nodeIdOf(e.getMember()), membersText(e.getMembers().size()));
      }

      @Override
      public void memberRemoved(MembershipEvent e) {
        publishMembers();
        LOG.info("node {} left the cluster; {}", ClusterSetup.nodeIdOf(e.getMember()), membersText(e.getMembers().size()));
      }
    });
    publishMembers();
    LOG.info("node {} is member {} of cluster '{}'; {}", nodeId, cluster.getLocalMember().getAddress(),
        settings.clusterName(), membersText(cluster.getMembers().size()));
  }

  private void publishMembers() {
    vertx.sharedData().getLocalMap(NodeLocal.MAP).put(NodeLocal.MEMBERS, String.join(",", clusterManager.getNodes()));
  }

  static String membersText(int n) {
    return "cluster has " + n + (n == 1 ? " member" : " members");
  }

  public Vertx vertx() {
    return vertx;
  }

  /** This node's gateway (its bridge, for operators and tests), or null when the node runs none. */
  public GatewayVerticle gateway() {
    return gateway;
  }

  /** The port the gateway bound (the real one when the settings asked for 0); -1 without a gateway. */
  public int httpPort() {
    return httpPort;
  }

  /** The cluster manager's node id when clustered, else a random UUID chosen at start. */
  public String nodeId() {
    return nodeId;
  }

  public NodeSettings settings() {
    return settings;
  }

  public boolean clustered() {
    return clusterManager != null;
  }

  /** Members of the cluster as this node sees them now; 1 when not clustered. */
  public int clusterSize() {
    return clusterManager == null ? 1 : clusterManager.getNodes().size();
  }

  /** How the node reaches its database (a copy); embedded or external. */
  public PgConnectOptions database() {
    return database.connectOptions();
  }

  public Instant startedAt() {
    return startedAt;
  }

  /** A one-line summary for the launcher's log. */
  public String describe() {
    String verticles = settings.verticles().stream().map(VerticleKind::wireName).collect(Collectors.joining(","));
    String where = httpPort >= 0
        ? "listening on http://" + settings.httpHost() + ":" + httpPort
        : "without HTTP";
    String console = "";
    if (httpPort >= 0) {
      // an address a person can open: a wildcard bind is reachable on localhost
      String host = "0.0.0.0".equals(settings.httpHost()) || "::".equals(settings.httpHost()) ? "localhost" : settings.httpHost();
      console = "; web console at http://" + host + ":" + httpPort + "/";
    }
    return "opsbus " + BuildInfo.version() + " node " + nodeId + " " + where + " (verticles " + verticles + ")" + console;
  }

  /** The {@code --demo} SSH server, null without {@code --demo}. */
  DemoSshServer demoHost() {
    return demoHost;
  }

  /**
   * Drains the node before it stops (SIGTERM): see {@link NodeDrain}. Blocks for up to the drain
   * timeout; from a main, test or worker thread only. {@link #close()} afterwards stops it.
   */
  public void drain() {
    if (Context.isOnEventLoopThread()) {
      throw new IllegalStateException("OpsbusNode.drain blocks: call it from a main, test or worker thread");
    }
    NodeDrain.run(vertx, nodeId, settings.drain(), gateway, operations, clusterSize());
  }

  /**
   * Stops the node: closes Vert.x (undeploying the verticles and leaving the cluster), then the demo
   * SSH host (its sessions and their processes), then stops the embedded PostgreSQL. Runs on its own
   * thread; calling it again returns the same future.
   */
  public synchronized Future<Void> stop() {
    if (stopping == null) {
      Promise<Void> done = Promise.promise();
      Thread t = new Thread(() -> {
        try {
          shutdown();
          done.complete();
        } catch (RuntimeException | Error e) {
          done.fail(e);
        }
      }, "opsbus-node-stop");
      t.start();
      stopping = done.future();
    }
    return stopping;
  }

  /** {@link #stop()} and wait for it; from a main, test or worker thread only. */
  @Override
  public void close() {
    if (Context.isOnEventLoopThread()) {
      throw new IllegalStateException("OpsbusNode.close blocks: use stop() on an event loop");
    }
    try {
      awaitRaw(stop(), STOP_TIMEOUT.plusSeconds(30));
    } catch (TimeoutException e) {
      throw new IllegalStateException("node " + nodeId + " did not stop in time", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("node " + nodeId + " did not stop cleanly: " + NodeDatabase.rootMessage(e.getCause()), e.getCause());
    }
  }

  private void shutdown() {
    long t0 = System.nanoTime();
    LOG.info("node {} stopping", nodeId);
    try {
      awaitRaw(vertx.close(), STOP_TIMEOUT);
    } catch (TimeoutException e) {
      LOG.error("Vert.x did not close within {} s; stopping the database anyway", STOP_TIMEOUT.toSeconds());
    } catch (ExecutionException e) {
      LOG.error("Vert.x did not close cleanly: {}", NodeDatabase.rootMessage(e.getCause()));
    }
    if (demoHost != null) {
      demoHost.close();
      LOG.info("demo host '{}' stopped", DemoHost.HOST_ID);
    }
    database.close();
    LOG.info("node {} stopped in {} ms", nodeId, (System.nanoTime() - t0) / 1_000_000);
  }

  private static <T> T awaitStep(Future<T> f, String what) {
    try {
      return awaitRaw(f, STEP_TIMEOUT);
    } catch (TimeoutException e) {
      throw new NodeStartException(what + " did not finish within " + STEP_TIMEOUT.toSeconds() + " s", e);
    } catch (ExecutionException e) {
      throw new NodeStartException(what + " failed: " + NodeDatabase.rootMessage(e.getCause()), e.getCause());
    }
  }

  private static <T> T awaitRaw(Future<T> f, Duration timeout) throws ExecutionException, TimeoutException {
    try {
      return f.toCompletionStage().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ExecutionException("interrupted while waiting", e);
    }
  }
}
