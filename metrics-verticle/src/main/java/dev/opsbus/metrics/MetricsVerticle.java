package dev.opsbus.metrics;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.BusFailures;
import dev.opsbus.model.Json;
import dev.opsbus.model.event.ClusterMetrics;
import dev.opsbus.model.event.NodeMetrics;
import dev.opsbus.model.event.ServerStatus;
import dev.opsbus.model.event.VersionNotice;
import dev.opsbus.model.wire.GatewayStatsReport;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Samples this node every period and publishes it on {@code metrics.node}; listens to every node's
 * samples and, on the one node that leads (the live node with the smallest id), publishes the
 * cluster aggregate, the server status and version-change notices. Terminal sessions and relay
 * liveness come from {@link RelayWatch}.
 */
public class MetricsVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(MetricsVerticle.class);

  /** Header naming the node that published a cluster-level message (metrics, status, version). */
  public static final String PUBLISHER_HEADER = "opsbus-publisher";
  /**
   * A new node listens this long before it may lead: a live node is one heard within this many
   * periods, so by then it has heard every live node and will not lead beside the real leader.
   */
  static final int WARM_UP_PERIODS = ClusterView.SILENT_PERIODS;
  /** The verticle name that marks a node as an SSH relay in its {@code verticles} list. */
  static final String SSH_RELAY_VERTICLE = "ssh-relay";

  private final MetricsConfig config;
  private final long periodMillis;
  private final String gatewayStatsAddress;
  private final DeliveryOptions statsRequest;
  private final DeliveryOptions fromThisNode;
  private final String verticles;

  private NodeSampler sampler;
  private ClusterView view;
  private RelayWatch relays;
  private long timerId = -1;
  private long listeningSinceMillis;
  private long seq;
  private boolean sampling;
  private boolean stopped;
  private Future<?> inFlight = Future.succeededFuture();
  private boolean leading;
  private String lastStatsOutcome = "";

  public MetricsVerticle(MetricsConfig config) {
    this.config = Objects.requireNonNull(config, "config");
    Objects.requireNonNull(config.version(), "config.version");
    Objects.requireNonNull(config.startedAt(), "config.startedAt");
    // format() refuses a node id that is not one address segment: a bad id fails the deployment here
    this.gatewayStatsAddress = Addresses.NODE_GATEWAY_STATS.format(config.nodeId());
    this.periodMillis = config.period().toMillis();
    // half a period: a slow gateway must not make this node miss its own sample
    this.statsRequest = new DeliveryOptions().setSendTimeout(Math.max(1, periodMillis / 2));
    this.fromThisNode = new DeliveryOptions().addHeader(PUBLISHER_HEADER, config.nodeId());
    this.verticles = String.join(",", config.verticles());
  }

  @Override
  public Future<?> start() {
    sampler = new NodeSampler();
    view = new ClusterView(config.nodeId(), periodMillis);
    relays = new RelayWatch(vertx, config.nodeId(), config.verticles().contains(SSH_RELAY_VERTICLE), statsRequest.getSendTimeout());
    EventBus bus = vertx.eventBus();
    MessageConsumer<Object> nodes = bus.consumer(Addresses.METRICS_NODE, this::onNodeMetrics);
    MessageConsumer<Object> cluster = bus.consumer(Addresses.METRICS_CLUSTER, this::onClusterMetrics);
    MessageConsumer<Object> versions = bus.consumer(Addresses.STATUS_VERSION, this::onVersionNotice);
    return Future.all(nodes.completion(), cluster.completion(), versions.completion(), relays.start())
        .onSuccess(v -> {
          listeningSinceMillis = monotonicMillis();
          timerId = vertx.setPeriodic(periodMillis, id -> tick());
          tick();
          LOG.info("metrics: node {} version {} sampling every {} ms", config.nodeId(), config.version(), periodMillis);
        })
        .onFailure(e -> LOG.error("metrics: node {} could not register its bus consumers: {}", config.nodeId(), e.toString()));
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
    // wait for a sample still on a worker thread, so nothing of this verticle outlives it
    return inFlight.<Void>transform(ar -> Future.succeededFuture()).onComplete(ar -> announceDownIfLast());
  }

  /**
   * The one honest "down": the leader is stopping and no other node reports metrics, so from now on
   * nobody publishes status. A node that crashes or is cut off cannot say anything at all; clients
   * must read a silent {@code status.server} (nothing for a few periods) as down.
   */
  private void announceDownIfLast() {
    boolean lastReporter = view.nodes().stream().allMatch(n -> n.nodeId().equals(config.nodeId()));
    if (leading && lastReporter) {
      String message = "Node " + config.nodeId() + " is stopping and was the last node reporting metrics: "
          + "no node publishes metrics or status until one starts.";
      publishStatus(new ServerStatus(ServerStatus.TYPE, Instant.now(), view.nextClusterSeq(), ServerStatus.DOWN, message, 0));
      LOG.info("metrics: {}", message);
    }
  }

  private void tick() {
    long now = monotonicMillis();
    leadIfLeader(now);
    sampleAndPublish();
  }

  // ---- this node's sample

  private void sampleAndPublish() {
    if (sampling) {
      // a slow worker pool or gateway; the next tick tries again rather than piling samples up
      LOG.warn("metrics: node {} skipped a sample: the previous one is still running", config.nodeId());
      return;
    }
    sampling = true;
    Instant ts = Instant.now();
    Future<HostReadings> readings = vertx.executeBlocking(sampler::read, false);
    Future<GatewayStatsReport> stats = gatewayStats();
    Future<Boolean> relay = relays.probe();
    // join, not all: a failed gateway request must not stop us waiting for the worker
    inFlight = Future.join(readings, stats, relay).onComplete(ar -> {
      sampling = false;
      if (stopped) {
        return;
      }
      if (ar.failed()) {
        LOG.warn("metrics: node {} could not sample: {}", config.nodeId(), ar.cause().toString(), ar.cause());
        return;
      }
      NodeMetrics sample = sample(ts, readings.result(), stats.result(), relay.result());
      vertx.eventBus().publish(Addresses.METRICS_NODE, Json.toJsonObject(sample));
    });
  }

  private NodeMetrics sample(Instant ts, HostReadings r, GatewayStatsReport g, Boolean relayOnline) {
    long uptime = Math.max(0, Duration.between(config.startedAt(), ts).toSeconds());
    return new NodeMetrics(NodeMetrics.TYPE, ts, ++seq, config.nodeId(), config.version(), config.startedAt(),
        uptime, r.cpuPercent(), r.systemCpuPercent(), r.processors(), r.heapUsedMb(), r.heapMaxMb(), r.rssMb(),
        r.systemMemoryTotalMb(), r.systemMemoryAvailableMb(),
        g.connections(), g.sockJsConnections(), g.webSocketConnections(), g.bridgeSubscriptions(), g.webSessions(),
        relays.sessionsHere(), verticles, relayOnline, g.tcpConnections());
  }

  /** Asks this node's gateway; no gateway, a late one or a wrong answer all count as zero connections. */
  private Future<GatewayStatsReport> gatewayStats() {
    return vertx.eventBus().request(gatewayStatsAddress, null, statsRequest)
        .map(reply -> readGatewayStats(reply.body()))
        .onSuccess(s -> statsOutcome("ok", null))
        .recover(e -> {
          switch (BusFailures.codeOf(e)) {
            case NO_HANDLER -> statsOutcome("no_gateway", null);
            case TIMEOUT -> statsOutcome("timeout", "did not answer within " + statsRequest.getSendTimeout() + " ms");
            default -> statsOutcome("failed", e.toString());
          }
          return Future.succeededFuture(GatewayStatsReport.NONE);
        });
  }

  /**
   * Reads the gateway's answer. A body that is not a JSON object, or a count that is not a number,
   * is refused so the caller can say the gateway answered nonsense; missing counts are zero and a
   * negative one (a gateway bug) is clamped to zero so cluster totals stay meaningful.
   */
  static GatewayStatsReport readGatewayStats(Object body) {
    if (!(body instanceof JsonObject json)) {
      throw new IllegalArgumentException("gateway stats reply is not a JSON object: "
          + (body == null ? "null" : body.getClass().getSimpleName()));
    }
    GatewayStatsReport r = GatewayStatsReport.fromJson(json);
    return new GatewayStatsReport(Math.max(0, r.sockJsConnections()), Math.max(0, r.webSocketConnections()),
        Math.max(0, r.bridgeSubscriptions()), Math.max(0, r.busConsumers()), Math.max(0, r.webSessions()),
        Math.max(0, r.delivered()), Math.max(0, r.refused()), Math.max(0, r.tcpConnections()));
  }

  /** Logs when the gateway's answer changes kind, not once per sample. */
  private void statsOutcome(String outcome, String detail) {
    if (outcome.equals(lastStatsOutcome)) {
      return;
    }
    String previous = lastStatsOutcome;
    lastStatsOutcome = outcome;
    switch (outcome) {
      case "ok" -> {
        if (!previous.isEmpty()) {
          LOG.info("metrics: node {} gateway answers connection counts again", config.nodeId());
        }
      }
      case "no_gateway" -> LOG.info("metrics: node {} has no gateway on {}; reporting zero connections",
          config.nodeId(), gatewayStatsAddress);
      default -> LOG.warn("metrics: node {} gateway stats on {} {}; reporting zero connections",
          config.nodeId(), gatewayStatsAddress, detail);
    }
  }

  // ---- the cluster view

  private void onNodeMetrics(Message<Object> message) {
    NodeMetrics sample = parse(message, NodeMetrics.class);
    if (sample == null) {
      return;
    }
    if (sample.nodeId() == null || sample.version() == null || sample.startedAt() == null) {
      LOG.warn("metrics: ignoring a sample without nodeId, version or startedAt: {}", message.body());
      return;
    }
    boolean known = view.nodes().stream().anyMatch(n -> n.nodeId().equals(sample.nodeId()));
    if (view.accept(sample, monotonicMillis()) && !known) {
      LOG.info("metrics: node {} hears node {} (version {})", config.nodeId(), sample.nodeId(), sample.version());
    }
  }

  private void onClusterMetrics(Message<Object> message) {
    if (message.body() instanceof JsonObject json && json.getValue("seq") instanceof Number n) {
      view.clusterSeqSeen(n.longValue());
    }
  }

  private void onVersionNotice(Message<Object> message) {
    VersionNotice notice = parse(message, VersionNotice.class);
    if (notice != null) {
      // whoever announced it, it is announced: a later leader must not repeat it
      view.markVersionKnown(notice.oldVersion());
      view.markVersionKnown(notice.newVersion());
    }
  }

  private <T> T parse(Message<Object> message, Class<T> type) {
    if (!(message.body() instanceof JsonObject json)) {
      LOG.warn("metrics: ignoring a non-JSON message on {}", message.address());
      return null;
    }
    try {
      return Json.fromJsonObject(json, type);
    } catch (IllegalArgumentException e) {
      LOG.warn("metrics: ignoring a malformed message on {}: {}", message.address(), e.getMessage());
      return null;
    }
  }

  private void leadIfLeader(long now) {
    for (String gone : view.expire(now)) {
      LOG.info("metrics: node {} dropped node {}: silent for {} periods", config.nodeId(), gone, ClusterView.SILENT_PERIODS);
    }
    if (now - listeningSinceMillis < WARM_UP_PERIODS * periodMillis) {
      return;
    }
    List<ClusterView.VersionChange> changes = view.unannouncedVersions();
    boolean leader = view.selfIsLeader();
    if (leader != leading) {
      leading = leader;
      LOG.info("metrics: node {} {} the metrics leader", config.nodeId(), leader ? "is now" : "is no longer");
    }
    if (!leader) {
      return;
    }
    Instant ts = Instant.now();
    for (ClusterView.VersionChange c : changes) {
      String message = "Node " + c.nodeId() + " runs version " + c.newVersion()
          + "; the cluster ran " + c.oldVersion() + " until now.";
      vertx.eventBus().publish(Addresses.STATUS_VERSION,
          Json.toJsonObject(new VersionNotice(VersionNotice.TYPE, ts, c.nodeId(), c.oldVersion(), c.newVersion(), message)),
          fromThisNode);
      view.markVersionKnown(c.newVersion());
      LOG.info("metrics: {}", message);
    }
    List<NodeMetrics> nodes = view.nodes();
    long clusterSeq = view.nextClusterSeq();
    ClusterMetrics aggregate = aggregate(ts, clusterSeq, nodes, view.recentlyLostSamples(), relays.sessionsInCluster());
    vertx.eventBus().publish(Addresses.METRICS_CLUSTER, Json.toJsonObject(aggregate), fromThisNode);
    ServerHealth.Assessment health = ServerHealth.assess(nodes, view.recentlyLost(now), periodMillis);
    publishStatus(new ServerStatus(ServerStatus.TYPE, ts, clusterSeq, health.status(), health.message(), nodes.size()));
  }

  private void publishStatus(ServerStatus status) {
    vertx.eventBus().publish(Addresses.STATUS_SERVER, Json.toJsonObject(status), fromThisNode);
  }

  /**
   * The cluster aggregate. Terminal sessions are every live session the relays reported. Relays
   * total counts the nodes that deploy a relay among the live nodes and those lost recently (a
   * relay that left is still a relay the cluster is missing); online counts the live ones whose
   * relay answered its ping. A sample without the answer (a node of an older version) counts its
   * relay online, as the cluster did before it could ask.
   */
  static ClusterMetrics aggregate(Instant ts, long seq, List<NodeMetrics> nodes, List<NodeMetrics> lost, int sshSessions) {
    int connections = 0;
    int relaysOnline = 0;
    int relaysTotal = 0;
    double cpu = 0;
    long rss = 0;
    for (NodeMetrics n : nodes) {
      connections += n.connections();
      cpu += n.cpuPercent();
      rss += n.rssMb();
      if (runsRelay(n)) {
        relaysTotal++;
        if (!Boolean.FALSE.equals(n.sshRelayOnline())) {
          relaysOnline++;
        }
      }
    }
    relaysTotal += (int) lost.stream().filter(MetricsVerticle::runsRelay).count();
    double cpuAvg = nodes.isEmpty() ? 0 : Math.round(cpu / nodes.size() * 10) / 10.0;
    return new ClusterMetrics(ClusterMetrics.TYPE, ts, seq, nodes.size(), connections, sshSessions, relaysOnline, relaysTotal,
        cpuAvg, rss, nodes);
  }

  private static boolean runsRelay(NodeMetrics n) {
    return n.verticles() != null && Arrays.stream(n.verticles().split(",")).map(String::trim).anyMatch(SSH_RELAY_VERTICLE::equals);
  }

  private static long monotonicMillis() {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime());
  }
}
