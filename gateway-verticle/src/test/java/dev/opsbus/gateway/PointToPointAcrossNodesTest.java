package dev.opsbus.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.PermissionRule;
import dev.opsbus.model.PermissionRules;
import dev.opsbus.testkit.Await;
import dev.opsbus.testkit.TestCluster;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Point to point in a cluster: requests to an address clients registered on two nodes each reach
 * ONE client (the bus picks a node in turn, the node a client in turn), and the answer of a client
 * on one node reaches the requester on the other.
 */
class PointToPointAcrossNodesTest {

  static final Duration WAIT = Duration.ofSeconds(30);
  static final String ASK = "test.ask";

  static UnaryOperator<GatewayConfig> withAskRule() {
    List<PermissionRule> rules = new ArrayList<>(PermissionRules.defaults().rules());
    rules.addAll(PermissionRules.fromJson("""
        {"rules": [{"address": "test.ask", "directions": ["subscribe", "send", "request"], "roles": ["admin"]}]}""").rules());
    return c -> c.withNodeValues(c.host(), c.port(), new PermissionRules(rules), c.initialAdminPassword());
  }

  @Test
  void eachRequestReachesOneClientOnOneNodeAndItsAnswerCrossesBack() {
    TestDatabase.reset();
    String cluster = TestCluster.newName();
    TestCluster.Node nodeA = TestCluster.start(cluster);
    TestCluster.Node nodeB = TestCluster.start(cluster);
    GatewayHarness a = GatewayHarness.startOn(nodeA.vertx(), withAskRule());
    GatewayHarness b = GatewayHarness.startOn(nodeB.vertx(), withAskRule());
    String admin = a.adminToken();
    Map<String, BridgeClient> clients = new HashMap<>();
    try {
      clients.put("a1", a.client(BridgeClient.Transport.RAW, admin));
      clients.put("b1", b.client(BridgeClient.Transport.SOCKJS, admin));
      clients.put("b2", b.client(BridgeClient.Transport.RAW, admin));
      clients.values().forEach(c -> c.register(ASK));
      Await.until("three subscriptions", WAIT, () -> subscriptions(a) == 1 && subscriptions(b) == 2);
      Await.until("one registration per node in the cluster", WAIT, () -> nodeA.registrations(ASK) == 2);

      Map<String, Integer> received = new HashMap<>();
      for (int i = 0; i < 8; i++) {
        // asked from node A's bus: the answer of a client on node B has to cross the cluster
        Future<Message<Object>> answer = a.vertx.eventBus().request(ASK, new JsonObject().put("q", i));
        String who = null;
        JsonObject got = null;
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (who == null && System.nanoTime() < deadline) {
          for (Map.Entry<String, BridgeClient> e : clients.entrySet()) {
            for (JsonObject f : e.getValue().drain()) {
              if ("rec".equals(f.getString("type")) && ASK.equals(f.getString("address"))) {
                assertThat(who).as("request " + i + " went to " + who + " and to " + e.getKey()).isNull();
                who = e.getKey();
                got = f;
              }
            }
          }
        }
        assertThat(who).as("request " + i + " delivered").isNotNull();
        clients.get(who).send(new JsonObject().put("type", "send").put("address", got.getString("replyAddress"))
            .put("body", new JsonObject().put("from", who).put("q", i)));
        JsonObject body = (JsonObject) Await.result(answer, WAIT).body();
        assertThat(body.getString("from")).isEqualTo(who);
        assertThat(body.getInteger("q")).isEqualTo(i);
        received.merge(who, 1, Integer::sum);
      }
      assertThat(received.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(8);
      assertThat(received).as("every client on both nodes takes its turn").containsOnlyKeys("a1", "b1", "b2");
      // the bus takes the nodes in turn (where its round robin starts is its own affair), each node its
      // clients in turn: node b's two clients share node b's turns evenly
      assertThat(received.get("a1")).isBetween(3, 5);
      assertThat(Math.abs(received.get("b1") - received.get("b2"))).as("node b's clients in turn: %s", received).isLessThanOrEqualTo(1);
      for (BridgeClient c : clients.values()) {
        assertThat(c.drain()).noneMatch(f -> "rec".equals(f.getString("type")));
      }
    } finally {
      clients.values().forEach(BridgeClient::close);
      b.close();
      a.close();
    }
  }

  static int subscriptions(GatewayHarness gw) {
    return Await.result(gw.vertx.eventBus().<JsonObject>request(Addresses.NODE_GATEWAY_STATS.format(gw.nodeId), null))
        .body().getInteger("bridgeSubscriptions");
  }
}
