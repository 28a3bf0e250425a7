package dev.opsbus.gateway;

import dev.opsbus.testkit.Await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.gateway.presence.PresenceService;
import dev.opsbus.model.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Who is connected: tabs merged per user, what they view, nodes that go silent forgotten. */
class PresenceTest {

  static final Duration WAIT = Duration.ofSeconds(15);
  static GatewayHarness gw;
  static String ann;
  static String bob;

  @BeforeAll
  static void start() {
    gw = GatewayHarness.start();
    ann = gw.user("ann", List.of("operator"), List.of("*"));
    bob = gw.user("bob", List.of("viewer"), List.of("h1"));
  }

  @AfterAll
  static void stop() {
    gw.close();
  }

  static Optional<JsonObject> user(JsonObject presence, String name) {
    return presence.getJsonArray("users").stream().map(JsonObject.class::cast).filter(u -> name.equals(u.getString("username"))).findFirst();
  }

  static JsonObject list() {
    return Await.result(gw.vertx.eventBus().<JsonObject>request(Addresses.PRESENCE_LIST, new JsonObject())).body();
  }

  @Test
  void twoTabsOfOneUserShowAsOnePersonWithTwoTabsAndClosingOneLeavesOne() {
    try (BridgeClient tab1 = gw.client(BridgeClient.Transport.SOCKJS, ann);
         BridgeClient tab2 = gw.client(BridgeClient.Transport.RAW, ann);
         BridgeClient other = gw.client(BridgeClient.Transport.SOCKJS, bob)) {
      tab1.send(new JsonObject().put("type", "send").put("address", Addresses.PRESENCE_VIEW).put("body", new JsonObject().put("view", "dashboard")));
      tab2.send(new JsonObject().put("type", "send").put("address", Addresses.PRESENCE_VIEW).put("body", new JsonObject().put("view", "host:web-1")));
      Await.until("ann with two tabs", WAIT, () -> user(list(), "ann").map(u -> u.getInteger("tabs") == 2
          && u.getJsonArray("views").size() == 2).orElse(false));
      assertThat(user(list(), "ann").orElseThrow().getJsonArray("views").getList()).containsExactly("dashboard", "host:web-1");
      assertThat(user(list(), "bob").orElseThrow().getInteger("tabs")).isEqualTo(1);

      // a new subscriber gets the current list first, then changes
      other.register(Addresses.PRESENCE_CHANGES);
      JsonObject first = other.next(f -> Addresses.PRESENCE_CHANGES.equals(f.getString("address")), WAIT).getJsonObject("body");
      assertThat(user(first, "ann").orElseThrow().getInteger("tabs")).isEqualTo(2);
      tab2.close();
      JsonObject after = other.next(f -> Addresses.PRESENCE_CHANGES.equals(f.getString("address"))
          && user(f.getJsonObject("body"), "ann").map(u -> u.getInteger("tabs") == 1).orElse(false), WAIT).getJsonObject("body");
      assertThat(user(after, "ann").orElseThrow().getJsonArray("views").getList()).containsExactly("dashboard");
    }
    Await.until("everyone gone", WAIT, () -> list().getJsonArray("users").isEmpty());
  }

  @Test
  void tabsOfANodeThatFellSilentAreForgotten() {
    Vertx vertx = Vertx.vertx();
    try {
      PresenceService mine = new PresenceService(vertx, "node-a", 800);
      Await.result(mine.start());
      // another node announces one tab, then never again (it died)
      vertx.eventBus().publish(Addresses.PRESENCE_NODE, new JsonObject().put("nodeId", "node-z")
          .put("users", new JsonArray().add(new JsonObject().put("username", "zed").put("tabs", 1).put("views", new JsonArray().add("dashboard")))));
      Await.until("zed seen", WAIT, () -> presence(vertx).getJsonArray("users").size() == 1);
      Await.until("zed forgotten once node-z is silent", WAIT, () -> presence(vertx).getJsonArray("users").isEmpty());
      mine.stop();
    } finally {
      Await.result(vertx.close());
    }
  }

  static JsonObject presence(Vertx vertx) {
    return Await.result(vertx.eventBus().<JsonObject>request(Addresses.PRESENCE_LIST, new JsonObject())).body();
  }
}
