package dev.opsbus.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.Json;
import dev.opsbus.model.event.NodeMetrics;
import dev.opsbus.model.event.ServerStatus;
import dev.opsbus.model.event.VersionNotice;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
class MetricsVerticleTest {

  private static final Duration PERIOD = Duration.ofMillis(200);
  private static final Instant LONG_AGO = Instant.now().minusSeconds(60);

  private static MetricsConfig config(String nodeId, String version, Instant startedAt, List<String> verticles) {
    return new MetricsConfig(nodeId, version, startedAt, PERIOD, verticles);
  }

  private static Future<String> deploy(Vertx vertx, MetricsConfig config) {
    return vertx.deployVerticle(new MetricsVerticle(config));
  }

  private static Future<String> deployNodeA(Vertx vertx) {
    return deploy(vertx, config("node-a", "1.0.0", LONG_AGO, List.of("gateway", "metrics")));
  }

  private static Future<String> deployNodeB(Vertx vertx) {
    return deploy(vertx, config("node-b", "1.1.0", Instant.now().minusSeconds(1), List.of("metrics", "ssh-relay")));
  }

  private static boolean from(Message<JsonObject> m, String nodeId) {
    return nodeId.equals(m.body().getString("nodeId"));
  }

  private static String publisher(Message<JsonObject> m) {
    return m.headers().get(MetricsVerticle.PUBLISHER_HEADER);
  }

  private static List<String> nodeIds(JsonObject cluster) {
    return cluster.getJsonArray("nodes").stream().map(n -> ((JsonObject) n).getString("nodeId")).toList();
  }

  // ---- one node

  @Test
  void publishesRealReadingsOfThisNodeOncePerPeriodWithSeqGrowingByOne(Vertx vertx, VertxTestContext ctx) {
    BusProbe.listen(vertx, Addresses.METRICS_NODE)
        .compose(probe -> deployNodeA(vertx)
            .compose(id -> probe.first(m -> m.body().getLong("seq") >= 4))
            .map(m -> probe))
        .onComplete(ctx.succeeding(probe -> ctx.verify(() -> {
          List<JsonObject> samples = probe.bodies().subList(0, 4);
          assertThat(samples).extracting(s -> s.getLong("seq")).containsExactly(1L, 2L, 3L, 4L);
          for (JsonObject s : samples) {
            assertThat(s.getString("type")).isEqualTo(NodeMetrics.TYPE);
            assertThat(s.getValue("ts")).isInstanceOf(String.class);
            NodeMetrics m = Json.fromJsonObject(s, NodeMetrics.class);
            assertThat(m.nodeId()).isEqualTo("node-a");
            assertThat(m.version()).isEqualTo("1.0.0");
            assertThat(m.startedAt()).isEqualTo(LONG_AGO);
            assertThat(m.uptimeSeconds()).isBetween(59L, 120L);
            assertThat(m.cpuPercent()).isBetween(0.0, 100.0);
            assertThat(m.systemCpuPercent()).isBetween(0.0, 100.0);
            assertThat(m.processors()).isGreaterThanOrEqualTo(1);
            assertThat(m.heapUsedMb()).isPositive();
            assertThat(m.heapMaxMb()).isGreaterThanOrEqualTo(m.heapUsedMb());
            assertThat(m.rssMb()).isPositive();
            assertThat(m.systemMemoryTotalMb()).isPositive();
            assertThat(m.systemMemoryAvailableMb()).isPositive().isLessThanOrEqualTo(m.systemMemoryTotalMb());
            assertThat(m.verticles()).isEqualTo("gateway,metrics");
            // no relay on this node and no session anywhere: the real count is zero, and nobody to ask about a relay
            assertThat(m.sshSessions()).isZero();
            assertThat(m.sshRelayOnline()).isNull();
          }
          for (int i = 1; i < samples.size(); i++) {
            Duration gap = Duration.between(Instant.parse(samples.get(i - 1).getString("ts")),
                Instant.parse(samples.get(i).getString("ts")));
            // a busy two-core machine delays timers; the point is one sample per period, not a burst
            assertThat(gap).isBetween(Duration.ofMillis(100), Duration.ofMillis(1000));
          }
          ctx.completeNow();
        })));
  }

  @Test
  void reportsTheConnectionCountsThatTheGatewayOfTheSameNodeAnswers(Vertx vertx, VertxTestContext ctx) {
    JsonObject stats = new JsonObject().put("sockJsConnections", 3).put("webSocketConnections", 2)
        .put("bridgeSubscriptions", 7).put("webSessions", 4).put("tcpConnections", 1);
    // a stand-in for the gateway's stats handler, which lives in another module
    Future<Void> fakeGateway = vertx.eventBus()
        .consumer(Addresses.NODE_GATEWAY_STATS.format("node-a"), msg -> msg.reply(stats)).completion();
    fakeGateway
        .compose(v -> BusProbe.listen(vertx, Addresses.METRICS_NODE))
        .compose(probe -> deployNodeA(vertx).compose(id -> probe.first(m -> from(m, "node-a"))))
        .onComplete(ctx.succeeding(m -> ctx.verify(() -> {
          NodeMetrics sample = Json.fromJsonObject(m.body(), NodeMetrics.class);
          assertThat(sample.connections()).isEqualTo(6);
          assertThat(sample.tcpConnections()).isEqualTo(1);
          assertThat(sample.sockJsConnections()).isEqualTo(3);
          assertThat(sample.webSocketConnections()).isEqualTo(2);
          assertThat(sample.bridgeSubscriptions()).isEqualTo(7);
          assertThat(sample.webSessions()).isEqualTo(4);
          ctx.completeNow();
        })));
  }

  @Test
  void reportsZeroConnectionsAndKeepsPublishingWhenNoGatewayRunsOnTheNode(Vertx vertx, VertxTestContext ctx) {
    BusProbe.listen(vertx, Addresses.METRICS_NODE)
        .compose(probe -> deployNodeA(vertx)
            .compose(id -> probe.first(m -> m.body().getLong("seq") >= 3))
            .map(m -> probe))
        .onComplete(ctx.succeeding(probe -> ctx.verify(() -> {
          assertThat(probe.bodies()).hasSizeGreaterThanOrEqualTo(3).allSatisfy(s -> {
            assertThat(s.getInteger("connections")).isZero();
            assertThat(s.getInteger("sockJsConnections")).isZero();
            assertThat(s.getInteger("webSocketConnections")).isZero();
            assertThat(s.getInteger("bridgeSubscriptions")).isZero();
            assertThat(s.getInteger("webSessions")).isZero();
          });
          ctx.completeNow();
        })));
  }

  @Test
  void reportsZeroConnectionsAndKeepsItsPeriodWhenTheGatewayNeverAnswers(Vertx vertx, VertxTestContext ctx) {
    Future<Void> silentGateway = vertx.eventBus()
        .consumer(Addresses.NODE_GATEWAY_STATS.format("node-a"), msg -> { }).completion();
    silentGateway
        .compose(v -> BusProbe.listen(vertx, Addresses.METRICS_NODE))
        .compose(probe -> deployNodeA(vertx)
            .compose(id -> probe.first(m -> m.body().getLong("seq") >= 3))
            .map(m -> probe))
        .onComplete(ctx.succeeding(probe -> ctx.verify(() -> {
          List<JsonObject> samples = probe.bodies().subList(0, 3);
          assertThat(samples).extracting(s -> s.getLong("seq")).containsExactly(1L, 2L, 3L);
          assertThat(samples).allSatisfy(s -> assertThat(s.getInteger("connections")).isZero());
          ctx.completeNow();
        })));
  }

  @Test
  void reportsZeroConnectionsWhenTheGatewayAnswersNonsense(Vertx vertx, VertxTestContext ctx) {
    Future<Void> confusedGateway = vertx.eventBus()
        .consumer(Addresses.NODE_GATEWAY_STATS.format("node-a"), msg -> msg.reply(new JsonObject().put("sockJsConnections", "many")))
        .completion();
    confusedGateway
        .compose(v -> BusProbe.listen(vertx, Addresses.METRICS_NODE))
        .compose(probe -> deployNodeA(vertx)
            .compose(id -> probe.first(m -> m.body().getLong("seq") >= 2))
            .map(m -> probe))
        .onComplete(ctx.succeeding(probe -> ctx.verify(() -> {
          assertThat(probe.bodies()).allSatisfy(s -> assertThat(s.getInteger("connections")).isZero());
          ctx.completeNow();
        })));
  }

  @Test
  void refusesANodeIdThatIsNotOneAddressSegment() {
    assertThatThrownBy(() -> new MetricsVerticle(config("node a.b", "1.0.0", LONG_AGO, List.of())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("node a.b");
  }

  @Test
  void theLastNodeStoppingAnnouncesThatStatusGoesDown(Vertx vertx, VertxTestContext ctx) {
    BusProbe.listen(vertx, Addresses.STATUS_SERVER)
        .compose(status -> deployNodeA(vertx)
            .compose(id -> status.first(m -> true)
                .compose(m -> {
                  Future<Message<JsonObject>> down = status.next(m2 -> ServerStatus.DOWN.equals(m2.body().getString("status")));
                  return vertx.undeploy(id).compose(v -> down);
                })))
        .onComplete(ctx.succeeding(m -> ctx.verify(() -> {
          assertThat(m.body().getString("message")).contains("node-a").contains("stopping");
          assertThat(m.body().getInteger("nodeCount")).isZero();
          ctx.completeNow();
        })));
  }

  // ---- two nodes on one bus

  @Test
  void clusterMetricsListBothNodesAndComeOnlyFromTheNodeWithTheSmallestId(Vertx vertx, VertxTestContext ctx) {
    AtomicReference<BusProbe> status = new AtomicReference<>();
    // a stand-in for node-b's relay, which lives in another module: it answers its ping
    vertx.eventBus().consumer(Addresses.NODE_SSH_PING.format("node-b"), msg -> msg.reply(null)).completion()
        .compose(v -> BusProbe.listen(vertx, Addresses.STATUS_SERVER))
        .compose(s -> {
          status.set(s);
          return BusProbe.listen(vertx, Addresses.METRICS_CLUSTER);
        })
        .compose(cluster -> deployNodeA(vertx)
            .compose(a -> deployNodeB(vertx))
            .compose(b -> cluster.first(m -> m.body().getInteger("nodeCount") == 2))
            // six more periods: time enough for a second publisher to show itself
            .compose(m -> {
              long seq = m.body().getLong("seq");
              return cluster.first(m2 -> m2.body().getLong("seq") >= seq + 6);
            })
            .map(m -> cluster))
        .onComplete(ctx.succeeding(cluster -> ctx.verify(() -> {
          List<Message<JsonObject>> all = cluster.messages();
          assertThat(all).allSatisfy(m -> assertThat(publisher(m)).isEqualTo("node-a"));
          long firstSeq = all.get(0).body().getLong("seq");
          assertThat(all).extracting(m -> m.body().getLong("seq"))
              .containsExactlyElementsOf(LongStream.range(firstSeq, firstSeq + all.size()).boxed().toList());
          JsonObject last = all.get(all.size() - 1).body();
          assertThat(nodeIds(last)).containsExactly("node-a", "node-b");
          assertThat(last.getInteger("relaysOnline")).isEqualTo(1);
          assertThat(last.getInteger("relaysTotal")).isEqualTo(1);
          assertThat(last.getInteger("connections")).isZero();
          assertThat(last.getLong("rssMbTotal")).isPositive();
          assertThat(status.get().messages()).isNotEmpty()
              .allSatisfy(m -> assertThat(publisher(m)).isEqualTo("node-a"));
          ctx.completeNow();
        })));
  }

  @Test
  void aNodeWithANewVersionIsAnnouncedOnceNamingOldAndNewVersion(Vertx vertx, VertxTestContext ctx) {
    AtomicReference<BusProbe> versions = new AtomicReference<>();
    BusProbe.listen(vertx, Addresses.STATUS_VERSION)
        .compose(v -> {
          versions.set(v);
          return BusProbe.listen(vertx, Addresses.METRICS_CLUSTER);
        })
        .compose(cluster -> deployNodeA(vertx)
            .compose(a -> deployNodeB(vertx))
            .compose(b -> cluster.first(m -> m.body().getInteger("nodeCount") == 2))
            .compose(m -> {
              long seq = m.body().getLong("seq");
              return cluster.first(m2 -> m2.body().getLong("seq") >= seq + 6);
            }))
        .onComplete(ctx.succeeding(m -> ctx.verify(() -> {
          List<Message<JsonObject>> notices = versions.get().messages();
          assertThat(notices).hasSize(1);
          assertThat(publisher(notices.get(0))).isEqualTo("node-a");
          VersionNotice notice = Json.fromJsonObject(notices.get(0).body(), VersionNotice.class);
          assertThat(notice.type()).isEqualTo(VersionNotice.TYPE);
          assertThat(notice.nodeId()).isEqualTo("node-b");
          assertThat(notice.oldVersion()).isEqualTo("1.0.0");
          assertThat(notice.newVersion()).isEqualTo("1.1.0");
          assertThat(notice.message()).contains("node-b", "1.0.0", "1.1.0");
          ctx.completeNow();
        })));
  }

  @Test
  void aStoppedNodeLeavesTheClusterViewWithinAFewPeriodsAndTheStatusNamesIt(Vertx vertx, VertxTestContext ctx) {
    AtomicReference<BusProbe> status = new AtomicReference<>();
    AtomicReference<Duration> tookToDrop = new AtomicReference<>();
    BusProbe.listen(vertx, Addresses.STATUS_SERVER)
        .compose(s -> {
          status.set(s);
          return BusProbe.listen(vertx, Addresses.METRICS_CLUSTER);
        })
        .compose(cluster -> deployNodeA(vertx)
            .compose(a -> deployNodeB(vertx))
            .compose(b -> cluster.first(m -> m.body().getInteger("nodeCount") == 2)
                .compose(m -> {
                  Future<Message<JsonObject>> gone = cluster.next(m2 -> nodeIds(m2.body()).equals(List.of("node-a")));
                  Future<Message<JsonObject>> degraded = status.get().next(m2 ->
                      ServerStatus.DEGRADED.equals(m2.body().getString("status"))
                          && m2.body().getString("message").contains("node node-b went silent"));
                  long undeployedAt = System.nanoTime();
                  return vertx.undeploy(b)
                      .compose(v -> gone)
                      .onSuccess(g -> tookToDrop.set(Duration.ofNanos(System.nanoTime() - undeployedAt)))
                      .compose(g -> degraded);
                })))
        .onComplete(ctx.succeeding(degraded -> ctx.verify(() -> {
          // dropped after 3 silent periods, seen at the next tick: well under 15 periods even when busy
          assertThat(tookToDrop.get()).isLessThan(PERIOD.multipliedBy(15));
          assertThat(publisher(degraded)).isEqualTo("node-a");
          assertThat(degraded.body().getInteger("nodeCount")).isEqualTo(1);
          ctx.completeNow();
        })));
  }

  @Test
  void whenTheLeaderStopsTheNextSmallestNodeTakesOverAndNamesTheSilentLeader(Vertx vertx, VertxTestContext ctx) {
    AtomicReference<BusProbe> status = new AtomicReference<>();
    AtomicReference<BusProbe> samples = new AtomicReference<>();
    AtomicLong lastSeqOfA = new AtomicLong();
    BusProbe.listen(vertx, Addresses.STATUS_SERVER)
        .compose(s -> {
          status.set(s);
          return BusProbe.listen(vertx, Addresses.METRICS_NODE);
        })
        .compose(n -> {
          samples.set(n);
          return BusProbe.listen(vertx, Addresses.METRICS_CLUSTER);
        })
        .compose(cluster -> deployNodeA(vertx)
            .compose(a -> deployNodeB(vertx)
                // node-b must have heard node-a before node-a stops, or it has nobody to miss
                .compose(b -> samples.get().next(m -> from(m, "node-a")))
                .compose(m -> cluster.first(m2 -> m2.body().getInteger("nodeCount") == 2))
                .compose(m -> {
                  Future<Message<JsonObject>> takenOver = cluster.next(m2 -> "node-b".equals(publisher(m2))
                      && nodeIds(m2.body()).equals(List.of("node-b")));
                  Future<Message<JsonObject>> degraded = status.get().next(m2 -> "node-b".equals(publisher(m2))
                      && ServerStatus.DEGRADED.equals(m2.body().getString("status"))
                      && m2.body().getString("message").contains("node node-a went silent"));
                  return vertx.undeploy(a)
                      .onSuccess(v -> lastSeqOfA.set(cluster.messages().stream()
                          .filter(x -> "node-a".equals(publisher(x)))
                          .mapToLong(x -> x.body().getLong("seq")).max().orElseThrow()))
                      .compose(v -> Future.all(takenOver, degraded));
                })))
        .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
          Message<JsonObject> firstOfB = all.resultAt(0);
          // the new leader continues the sequence clients already follow
          assertThat(firstOfB.body().getLong("seq")).isGreaterThan(lastSeqOfA.get());
          Message<JsonObject> degraded = all.resultAt(1);
          assertThat(degraded.body().getInteger("nodeCount")).isEqualTo(1);
          ctx.completeNow();
        })));
  }
}
