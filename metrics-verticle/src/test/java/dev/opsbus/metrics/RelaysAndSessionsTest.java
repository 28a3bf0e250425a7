package dev.opsbus.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.BusIdentity;
import dev.opsbus.model.wire.SessionSnapshot;
import dev.opsbus.model.wire.SessionStatus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Terminal sessions counted from the relays' own reports, and relays counted as the cluster knows
 * them: all on one bus, with small stand-ins for the relays (which live in another module) that
 * answer, or do not answer, their node's ping.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class RelaysAndSessionsTest {

  private static final Duration PERIOD = Duration.ofMillis(200);
  private static final Instant OPENED = Instant.now().minusSeconds(30);

  private static Future<String> deploy(Vertx vertx, String nodeId, String... verticles) {
    return vertx.deployVerticle(new MetricsVerticle(new MetricsConfig(nodeId, "1.0.0", OPENED, PERIOD, List.of(verticles))));
  }

  /** A relay stand-in that answers its node's ping, until it is unregistered. */
  private static Future<MessageConsumer<Object>> relayAnswering(Vertx vertx, String nodeId) {
    MessageConsumer<Object> c = vertx.eventBus().consumer(Addresses.NODE_SSH_PING.format(nodeId), m -> m.reply(null));
    return c.completion().map(v -> c);
  }

  /** A relay stand-in that takes its ping and never answers: a stuck relay. */
  private static Future<Void> relayStuck(Vertx vertx, String nodeId) {
    return vertx.eventBus().consumer(Addresses.NODE_SSH_PING.format(nodeId), m -> { }).completion();
  }

  private static SessionSnapshot session(String sid, String node, long version, SessionStatus status) {
    return new SessionSnapshot(SessionSnapshot.TYPE, Instant.now(), version, sid, "demo", "ann", node, status, 80, 24, List.of(), OPENED,
        status.ended() ? "closed by ann" : null);
  }

  private static void publish(Vertx vertx, SessionSnapshot s) {
    vertx.eventBus().publish(Addresses.SSH_SESSIONS, s.toJson());
  }

  private static boolean from(Message<JsonObject> m, String nodeId) {
    return nodeId.equals(m.body().getString("nodeId"));
  }

  private static Integer sessions(Message<JsonObject> m) {
    return m.body().getInteger("sshSessions");
  }

  @Test
  void sessionsAreCountedOnTheNodeWhoseRelayHoldsThemAndClusterWideNewestVersionWinningAndEndedOnesDropping(Vertx vertx,
      VertxTestContext ctx) {
    AtomicReference<BusProbe> samples = new AtomicReference<>();
    relayAnswering(vertx, "node-b")
        .compose(r -> BusProbe.listen(vertx, Addresses.METRICS_NODE))
        .compose(n -> {
          samples.set(n);
          return BusProbe.listen(vertx, Addresses.METRICS_CLUSTER);
        })
        .compose(cluster -> deploy(vertx, "node-a", "gateway", "metrics")
            .compose(a -> deploy(vertx, "node-b", "metrics", "ssh-relay"))
            .compose(b -> {
              publish(vertx, session("s1", "node-b", 1, SessionStatus.ACTIVE));
              publish(vertx, session("s2", "node-b", 3, SessionStatus.IDLE));
              // late, older snapshots change nothing: s2 stays, s3 stays closed
              publish(vertx, session("s2", "node-b", 2, SessionStatus.CLOSED));
              publish(vertx, session("s3", "node-b", 2, SessionStatus.CLOSED));
              publish(vertx, session("s3", "node-b", 1, SessionStatus.ACTIVE));
              publish(vertx, session("s4", "node-b", 1, SessionStatus.AUTHENTICATING));
              publish(vertx, session("s4", "node-b", 2, SessionStatus.DISCONNECTED));
              return cluster.first(m -> sessions(m) == 2 && m.body().getInteger("nodeCount") == 2);
            })
            .compose(m -> samples.get().first(n -> from(n, "node-b") && sessions(n) == 2))
            .compose(m -> {
              publish(vertx, session("s1", "node-b", 2, SessionStatus.CLOSED));
              return cluster.next(m2 -> sessions(m2) == 1);
            })
            .compose(m -> samples.get().next(n -> from(n, "node-b") && sessions(n) == 1).map(n -> m)))
        .onComplete(ctx.succeeding(cluster -> ctx.verify(() -> {
          assertThat(samples.get().bodies()).filteredOn(b -> "node-a".equals(b.getString("nodeId")))
              .as("node-a runs no relay: it holds no session").allSatisfy(b -> assertThat(b.getInteger("sshSessions")).isZero());
          assertThat(samples.get().bodies()).filteredOn(b -> "node-b".equals(b.getString("nodeId")))
              .allSatisfy(b -> assertThat(b.getInteger("sshSessions")).isBetween(0, 2));
          assertThat(cluster.body().getInteger("relaysOnline")).isEqualTo(1);
          ctx.completeNow();
        })));
  }

  @Test
  void aRestartedMetricsVerticleAsksForTheSessionsThatAlreadyExistAsATrustedCaller(Vertx vertx, VertxTestContext ctx) {
    AtomicReference<Message<Object>> asked = new AtomicReference<>();
    // the relay's ssh.list: without identity headers, a caller inside the cluster sees every session
    Future<Void> list = vertx.eventBus().consumer(Addresses.SSH_LIST, m -> {
      asked.set(m);
      m.reply(new JsonArray().add(session("s1", "node-b", 4, SessionStatus.ACTIVE).toJson())
          .add(session("s2", "node-b", 9, SessionStatus.IDLE).toJson()).add(session("s3", "node-c", 1, SessionStatus.ACTIVE).toJson()));
    }).completion();
    list.compose(v -> relayAnswering(vertx, "node-b"))
        .compose(r -> relayAnswering(vertx, "node-c"))
        .compose(r -> BusProbe.listen(vertx, Addresses.METRICS_NODE))
        .compose(samples -> deploy(vertx, "node-b", "metrics", "ssh-relay")
            .compose(b -> samples.first(m -> sessions(m) == 2)))
        .onComplete(ctx.succeeding(m -> ctx.verify(() -> {
          assertThat(asked.get()).as("ssh.list was asked").isNotNull();
          assertThat(BusIdentity.of(asked.get().headers())).as("asked as no user").isNull();
          // the first sample may have gone out before the answer came: not a later one
          assertThat(m.body().getLong("seq")).isLessThanOrEqualTo(3L);
          assertThat(m.body().getBoolean("sshRelayOnline")).isTrue();
          ctx.completeNow();
        })));
  }

  @Test
  void theSessionsOfANodeWhoseRelayLeftTheClusterDropOut(Vertx vertx, VertxTestContext ctx) {
    AtomicReference<MessageConsumer<Object>> relayC = new AtomicReference<>();
    // node-c runs a relay and no metrics: nothing but its relay's address says it is there
    relayAnswering(vertx, "node-c")
        .compose(r -> {
          relayC.set(r);
          return BusProbe.listen(vertx, Addresses.METRICS_CLUSTER);
        })
        .compose(cluster -> deploy(vertx, "node-a", "gateway", "metrics")
            .compose(a -> {
              publish(vertx, session("s1", "node-c", 1, SessionStatus.ACTIVE));
              publish(vertx, session("s2", "node-c", 1, SessionStatus.ACTIVE));
              return cluster.first(m -> sessions(m) == 2);
            })
            // its node goes away without a word: nobody serves its relay's ping any more
            .compose(m -> relayC.get().unregister().compose(v -> cluster.next(m2 -> sessions(m2) == 0))))
        .onComplete(ctx.succeeding(m -> ctx.verify(() -> {
          assertThat(m.body().getInteger("sshSessions")).isZero();
          ctx.completeNow();
        })));
  }

  @Test
  void aRelayThatDoesNotAnswerCountsInTheTotalButNotOnline(Vertx vertx, VertxTestContext ctx) {
    relayAnswering(vertx, "node-b")
        .compose(r -> relayStuck(vertx, "node-c"))
        .compose(r -> BusProbe.listen(vertx, Addresses.METRICS_CLUSTER))
        .compose(cluster -> deploy(vertx, "node-a", "gateway", "metrics")
            .compose(a -> deploy(vertx, "node-b", "metrics", "ssh-relay"))
            .compose(b -> deploy(vertx, "node-c", "metrics", "ssh-relay"))
            .compose(c -> cluster.first(m -> m.body().getInteger("nodeCount") == 3))
            .compose(m -> cluster.next(m2 -> true)))
        .onComplete(ctx.succeeding(m -> ctx.verify(() -> {
          assertThat(m.body().getInteger("relaysTotal")).isEqualTo(2);
          assertThat(m.body().getInteger("relaysOnline")).isEqualTo(1);
          JsonArray nodes = m.body().getJsonArray("nodes");
          assertThat(nodes.stream().map(JsonObject.class::cast).filter(n -> "node-c".equals(n.getString("nodeId")))
              .findFirst().orElseThrow().getBoolean("sshRelayOnline")).isFalse();
          ctx.completeNow();
        })));
  }

  @Test
  void aRelayNodeThatWentDownStillCountsInTheTotalButNotOnline(Vertx vertx, VertxTestContext ctx) {
    relayAnswering(vertx, "node-b")
        .compose(r -> relayAnswering(vertx, "node-c"))
        .compose(r -> BusProbe.listen(vertx, Addresses.METRICS_CLUSTER))
        .compose(cluster -> deploy(vertx, "node-a", "gateway", "metrics")
            .compose(a -> deploy(vertx, "node-b", "metrics", "ssh-relay"))
            .compose(b -> deploy(vertx, "node-c", "metrics", "ssh-relay"))
            .compose(c -> cluster.first(m -> m.body().getInteger("nodeCount") == 3 && m.body().getInteger("relaysOnline") == 2)
                .compose(m -> {
                  assertThat(m.body().getInteger("relaysTotal")).isEqualTo(2);
                  return vertx.undeploy(c);
                }))
            .compose(v -> cluster.next(m -> m.body().getInteger("nodeCount") == 2)))
        .onComplete(ctx.succeeding(m -> ctx.verify(() -> {
          assertThat(m.body().getInteger("relaysTotal")).as("node-c's relay is missing, not forgotten").isEqualTo(2);
          assertThat(m.body().getInteger("relaysOnline")).isEqualTo(1);
          ctx.completeNow();
        })));
  }
}
