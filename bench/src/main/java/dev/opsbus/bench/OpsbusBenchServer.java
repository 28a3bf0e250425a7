package dev.opsbus.bench;

import dev.opsbus.gateway.GatewayConfig;
import dev.opsbus.gateway.servicekeys.ServiceSettings;
import dev.opsbus.gateway.bridge.BridgeLimits;
import dev.opsbus.gateway.http.ConnectionLimits;
import dev.opsbus.model.AddressPattern;
import dev.opsbus.model.Addresses;
import dev.opsbus.model.Direction;
import dev.opsbus.model.PermissionRule;
import dev.opsbus.model.PermissionRules;
import dev.opsbus.model.Role;
import dev.opsbus.node.NodeSettings;
import dev.opsbus.node.NodeTransport;
import dev.opsbus.node.OpsbusNode;
import dev.opsbus.node.VerticleKind;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The opsbus bench target: one opsbus node running only its gateway (login and the bridge on
 * {@code /eventbus/websocket}), with {@link OpsbusBenchPublisher} deployed beside it and serving the
 * control API on a port of its own. Embedded PostgreSQL in a temporary data directory (removed on
 * close) unless an external one is given.
 *
 * <p>Not clustered by default. With a {@link ClusterMode} the node joins a Hazelcast cluster (the
 * project's {@code cluster.xml}, loopback) for the cross-node scenario: a <em>gateway</em> node
 * (clients connect here) also answers {@link #GATEWAY_STATS_ADDRESS} with its gateway's counts, and
 * a <em>publisher-only</em> node (no client connects to it) publishes and reads the clients it
 * reports from that address, so its {@code clients} are the other node's subscribers.
 */
public final class OpsbusBenchServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(OpsbusBenchServer.class);

  /** Room for the 10k-client scenarios (all one user) plus the memory scenario's extra socket. */
  public static final int DEFAULT_MAX_CONNECTIONS_PER_USER = 20_000;
  /**
   * Frames a subscriber may fall behind before it is cut as a slow consumer. Four times the
   * gateway's default: a GC pause or a scheduling hiccup on the shared core is a burst to absorb,
   * while a client that really cannot keep up is still cut and shows in the results as disconnects.
   */
  public static final int DEFAULT_QUEUE_BOUND = 4 * BridgeLimits.DEFAULT_QUEUE_BOUND;
  /** Connection and socket caps of the bench node: past anything a run opens. */
  static final int BENCH_CAP = 1_000_000;
  /** Longer than any bench run, so no token expires in the middle of a measurement. */
  static final Duration TOKEN_TTL = Duration.ofHours(12);
  /**
   * Bench only, cluster-wide: the gateway node's bridge counts for a publisher on another node
   * ({@code node.{nodeId}.gateway.stats} is node-local). No permission rule names it: never bridged.
   */
  public static final String GATEWAY_STATS_ADDRESS = "bench.gateway.stats";

  /**
   * Clustered bench node.
   *
   * @param name Hazelcast cluster name (keeps bench clusters apart from others on the machine)
   * @param publisherOnly true: the publishing node no client connects to; false: the gateway node
   * @param awaitMembers start returns once the cluster has this many members
   */
  public record ClusterMode(String name, boolean publisherOnly, int awaitMembers) {
  }

  /**
   * @param host interface for the gateway and the control API
   * @param port gateway port (login and bridge), 0 for any free one
   * @param controlPort control API port, 0 for any free one
   * @param pgUrl external PostgreSQL, or null for an embedded one in {@code dataDir}
   * @param dataDir data directory, or null for a temporary one removed on close
   * @param adminPassword password of {@code admin} when the node creates it (a fresh database)
   * @param bridgeRatePerSecond inbound frames per second per bridge connection (burst twice that); 0: the default
   *     (100), which caps one service publishing over a bridge connection at 100 messages/s
   * @param transport the node's network transport, null for the node's default
   * @param gatewayLoops event loops the gateway accepts on ({@code gateway.eventLoops})
   */
  public record Options(String host, int port, int controlPort, String pgUrl, Path dataDir, String adminPassword,
      int queueBound, int maxConnectionsPerUser, ClusterMode cluster, int bridgeRatePerSecond, NodeTransport transport,
      int gatewayLoops) {

    /** On the gateway's one loop. */
    public Options(String host, int port, int controlPort, String pgUrl, Path dataDir, String adminPassword,
        int queueBound, int maxConnectionsPerUser, ClusterMode cluster, int bridgeRatePerSecond, NodeTransport transport) {
      this(host, port, controlPort, pgUrl, dataDir, adminPassword, queueBound, maxConnectionsPerUser, cluster, bridgeRatePerSecond, transport, 1);
    }

    public Options(String host, int port, int controlPort, String pgUrl, Path dataDir, String adminPassword,
        int queueBound, int maxConnectionsPerUser, ClusterMode cluster) {
      // on the node's default transport, at the bridge's default rate
      this(host, port, controlPort, pgUrl, dataDir, adminPassword, queueBound, maxConnectionsPerUser, cluster, 0, null);
    }

    public Options {
      if (adminPassword == null || adminPassword.isEmpty()) {
        throw new IllegalArgumentException("the admin password must be set: the generator logs in with it");
      }
    }

    /** A non-clustered node. */
    public Options(String host, int port, int controlPort, String pgUrl, Path dataDir, String adminPassword,
        int queueBound, int maxConnectionsPerUser) {
      this(host, port, controlPort, pgUrl, dataDir, adminPassword, queueBound, maxConnectionsPerUser, null, 0, null);
    }

    public static Options defaults(String adminPassword) {
      return new Options("127.0.0.1", 0, 0, null, null, adminPassword, DEFAULT_QUEUE_BOUND,
          DEFAULT_MAX_CONNECTIONS_PER_USER);
    }
  }

  private final OpsbusNode node;
  private final OpsbusBenchPublisher publisher;
  private final Path tempDir;

  private OpsbusBenchServer(OpsbusNode node, OpsbusBenchPublisher publisher, Path tempDir) {
    this.node = node;
    this.publisher = publisher;
    this.tempDir = tempDir;
  }

  private static ServiceSettings tcpBridge(String host) {
    ServiceSettings d = ServiceSettings.defaults();
    return new ServiceSettings(d.namespaces(), d.callerRoles(), 0, host, null, null, d.revocationRecheck());
  }

  /** The default rules plus a subscribe rule for the bench address; overflow disconnect (the default). */
  public static PermissionRules rules() {
    List<PermissionRule> rules = new ArrayList<>(PermissionRules.defaults().rules());
    rules.add(new PermissionRule(AddressPattern.of(OpsbusBenchPublisher.FANOUT_ADDRESS), Set.of(Direction.SUBSCRIBE),
        Set.of(Role.ADMIN, Role.VIEWER), List.of(), PermissionRule.Overflow.DISCONNECT));
    return new PermissionRules(rules);
  }

  /** Starts the node and the publisher; blocks, so call it from a main or test thread. */
  public static OpsbusBenchServer start(Options o) {
    Path temp = null;
    Path dataDir = o.dataDir();
    if (dataDir == null) {
      try {
        temp = Files.createTempDirectory("opsbus-bench-");
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create a temporary data directory", e);
      }
      dataDir = temp;
    }
    BridgeLimits limits = BridgeLimits.defaults().withQueueBound(o.queueBound());
    limits = new BridgeLimits(limits.maxFrameBytes(), limits.maxAddressLength(), limits.queueBound(),
        limits.maxSubscriptions(), o.bridgeRatePerSecond() > 0 ? o.bridgeRatePerSecond() : limits.ratePerSecond(),
        o.bridgeRatePerSecond() > 0 ? 2 * o.bridgeRatePerSecond() : limits.rateBurst(), o.maxConnectionsPerUser(),
        limits.idleTimeout(), limits.requestTimeout(), BENCH_CAP);
    NodeSettings.Builder builder = NodeSettings.builder();
    if (o.cluster() != null) {
      builder.cluster(true).clusterName(o.cluster().name()).clusterHost(o.host());
    }
    // the bench opens tens of thousands of sockets from a few loopback addresses: the per-node and
    // per-address caps of a production node (docs/SECURITY.md) would turn most of them away
    ConnectionLimits d = ConnectionLimits.defaults();
    ConnectionLimits benchCaps = new ConnectionLimits(d.headerTimeout(), d.httpIdleTimeout(), BENCH_CAP, BENCH_CAP, d.socketAuthTimeout(),
        BENCH_CAP, BENCH_CAP, BENCH_CAP, d.maxTerminalSocketsPerUser(), d.refusalAuditWindow(), null, 0, d.metricsHost())
        .withEventLoops(o.gatewayLoops());
    NodeSettings settings = builder
        // the TCP bridge on a free port, for the service-publish scenario (ServicePublisher)
        .gateway(GatewayConfig.defaults().withConnections(benchCaps).withServices(tcpBridge(o.host())))
        .httpHost(o.host())
        .httpPort(o.port())
        .verticles(VerticleKind.GATEWAY)
        .pgUrl(o.pgUrl())
        .dataDir(dataDir)
        .adminPassword(o.adminPassword())
        .permissions(rules())
        .tokenTtl(TOKEN_TTL)
        .bridge(limits)
        .transport(o.transport())
        .build();
    OpsbusNode node;
    try {
      node = OpsbusNode.start(settings);
    } catch (RuntimeException e) {
      deleteTree(temp);
      throw e;
    }
    boolean publisherOnly = o.cluster() != null && o.cluster().publisherOnly();
    String statsAddress = publisherOnly ? GATEWAY_STATS_ADDRESS : Addresses.NODE_GATEWAY_STATS.format(node.nodeId());
    OpsbusBenchPublisher publisher = new OpsbusBenchPublisher(
        new OpsbusBenchPublisher.Config(node.nodeId(), o.host(), o.controlPort(), statsAddress));
    try {
      if (o.cluster() != null && !publisherOnly) {
        node.vertx().deployVerticle(new GatewayStatsRelay(node.nodeId()))
            .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      }
      node.vertx().deployVerticle(publisher).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      if (o.cluster() != null) {
        awaitMembers(node, o.cluster().awaitMembers());
      }
    } catch (Exception e) {
      node.close();
      deleteTree(temp);
      throw new IllegalStateException("the bench publisher did not start: " + e.getMessage(), e);
    }
    LOG.info("opsbus bench server{}: gateway on {}:{}, control API on {}:{}, queueBound {}, {} connections per user",
        o.cluster() == null ? "" : " (cluster '" + o.cluster().name() + "', " + (publisherOnly ? "publisher-only" : "gateway")
            + " node, " + node.clusterSize() + " members)",
        o.host(), node.httpPort(), o.host(), publisher.actualPort(), limits.queueBound(), limits.maxConnectionsPerUser());
    return new OpsbusBenchServer(node, publisher, temp);
  }

  /**
   * Waits on this (main) thread until the cluster has {@code members} members, checking every 100 ms,
   * for at most 60 s: a bench node that runs alone would measure the wrong thing.
   */
  private static void awaitMembers(OpsbusNode node, int members) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (node.clusterSize() < members) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the cluster has " + node.clusterSize() + " members after 60 s, not " + members);
      }
      Thread.sleep(100);
    }
  }

  /**
   * On a clustered gateway node: answers {@link #GATEWAY_STATS_ADDRESS} (cluster-wide) with what the
   * node-local gateway stats address says, for a publisher on another node.
   */
  static final class GatewayStatsRelay extends io.vertx.core.VerticleBase {
    private final String nodeId;

    GatewayStatsRelay(String nodeId) {
      this.nodeId = nodeId;
    }

    @Override
    public io.vertx.core.Future<?> start() {
      String local = Addresses.NODE_GATEWAY_STATS.format(nodeId);
      return vertx.eventBus().<Object>consumer(GATEWAY_STATS_ADDRESS, msg -> vertx.eventBus()
          .<Object>request(local, null, new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(OpsbusBenchPublisher.STATS_TIMEOUT_MILLIS))
          .onComplete(ar -> {
            if (ar.succeeded()) {
              msg.reply(ar.result().body());
            } else {
              msg.fail(503, "the gateway did not report its counts: " + ar.cause().getMessage());
            }
          })).completion();
    }
  }

  /** The database this node uses, as a {@code --pg-url} another bench node can be given. */
  public String pgUrl() {
    io.vertx.pgclient.PgConnectOptions db = node.database();
    return "postgresql://" + db.getUser() + ":" + db.getPassword() + "@" + db.getHost() + ":" + db.getPort() + "/"
        + db.getDatabase();
  }

  /**
   * This node's key files ({@code credentials.key}, {@code jwt.key}): a second bench node on the same
   * database needs the same ones, as every node of a cluster does.
   */
  public java.nio.file.Path keysDir() {
    return node.settings().dataDir().toAbsolutePath().resolve("keys");
  }

  /** Login ({@code /api/login}) and the bridge ({@code /eventbus/websocket}). */
  public int gatewayPort() {
    return node.httpPort();
  }

  /** The bench control API ({@code /bench/*}). */
  public int controlPort() {
    return publisher.actualPort();
  }

  public OpsbusNode node() {
    return node;
  }

  /** Stops the node (and its embedded PostgreSQL), then removes the temporary data directory. */
  @Override
  public void close() {
    try {
      node.close();
    } finally {
      deleteTree(tempDir);
    }
  }

  private static void deleteTree(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.warn("could not remove the temporary data directory {}: {}", dir, e.getMessage());
    }
  }

  /**
   * {@code opsbus-server [--host 127.0.0.1] [--port 0] [--control-port 0] [--pg-url URL] [--data-dir DIR]
   * [--queue-bound N] [--max-connections-per-user N] [--cluster --cluster-name NAME [--publisher-only]
   * [--await-members N]] [--transport NAME] [--gateway-loops N]}, admin password from {@code OPSBUS_ADMIN_PASSWORD}. Prints
   * {@code {"listening":PORT,"control":PORT,"pid":PID,"pg":URL}} once up, like the other bench servers
   * ({@code pg}: the database, for a second node's {@code --pg-url}).
   */
  public static void main(String[] args) throws InterruptedException {
    main(args, System.out);
  }

  static void main(String[] args, PrintStream out) throws InterruptedException {
    Flags f = Flags.parse(args, List.of("cluster", "publisher-only"));
    f.checkOnly(List.of("host", "port", "control-port", "pg-url", "data-dir", "queue-bound", "max-connections-per-user",
        "cluster", "cluster-name", "publisher-only", "await-members", "bridge-rate", "transport", "gateway-loops"));
    String password = System.getenv(NodeSettings.ADMIN_PASSWORD_ENV);
    if (password == null || password.isEmpty()) {
      throw new IllegalArgumentException("set " + NodeSettings.ADMIN_PASSWORD_ENV + ": the generator logs in as admin with it");
    }
    String dataDir = f.string("data-dir", null);
    ClusterMode cluster = null;
    if (f.bool("cluster")) {
      cluster = new ClusterMode(f.string("cluster-name", "opsbus-bench"), f.bool("publisher-only"), f.integer("await-members", 1));
    } else if (f.bool("publisher-only")) {
      throw new IllegalArgumentException("--publisher-only needs --cluster: a lone node's publisher has its own gateway");
    }
    Options o = new Options(f.string("host", "127.0.0.1"), f.integer("port", 0), f.integer("control-port", 0),
        f.string("pg-url", null), dataDir == null ? null : Path.of(dataDir), password,
        f.integer("queue-bound", DEFAULT_QUEUE_BOUND), f.integer("max-connections-per-user", DEFAULT_MAX_CONNECTIONS_PER_USER),
        cluster, f.integer("bridge-rate", 0), f.string("transport", null) == null ? null : NodeTransport.parse(f.string("transport", null)),
        f.integer("gateway-loops", 1));
    OpsbusBenchServer server = start(o);
    // the one line the bench scripts read: the gateway's port, and the control API's
    out.println(new io.vertx.core.json.JsonObject().put("listening", server.gatewayPort()).put("control", server.controlPort())
        .put("tcp", server.node.gateway().tcpBridgePort())
        .put("pid", ProcStats.selfPid()).put("pg", server.pgUrl())
        .put("keys", server.keysDir().toString()).encode());
    out.flush();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        server.close();
      } finally {
        stopped.countDown();
      }
    }, "opsbus-bench-stop"));
    stopped.await();
  }
}
