package dev.opsbus.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.Addresses;
import dev.opsbus.testkit.Await;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, point 9: presence showed every viewer all users' views, including hosts they hold no
 * grant for. A viewer now sees who is connected, but of their views only the dashboard and hosts
 * it is granted, over {@code presence.list} and every {@code presence.changes} message; admins see all.
 */
class PresenceVisibilityTest {

  static final Duration WAIT = Duration.ofSeconds(20);
  static GatewayHarness gw;
  static String admin;
  static String bob;
  static String vic;

  @BeforeAll
  static void start() {
    gw = GatewayHarness.start();
    admin = gw.adminToken();
    bob = gw.user("bob", List.of("viewer"), List.of("h1"));
    vic = gw.user("vic", List.of("viewer"), List.of("h1"));
  }

  @AfterAll
  static void stop() {
    gw.close();
  }

  static void view(BridgeClient c, String view) {
    c.send(new JsonObject().put("type", "send").put("address", Addresses.PRESENCE_VIEW).put("body", new JsonObject().put("view", view)));
  }

  static List<Object> viewsOf(JsonObject presence, String user) {
    return presence.getJsonArray("users").stream().map(JsonObject.class::cast).filter(u -> user.equals(u.getString("username")))
        .findFirst().map(u -> u.getJsonArray("views").getList()).orElse(List.of());
  }

  static JsonObject ask(BridgeClient c, String replyAddress) {
    c.send(new JsonObject().put("type", "send").put("address", Addresses.PRESENCE_LIST).put("replyAddress", replyAddress).put("body", new JsonObject()));
    return c.next(f -> replyAddress.equals(f.getString("address")), WAIT).getJsonObject("body");
  }

  @Test
  void aViewerSeesWhoIsThereButOnlyTheViewsItIsGranted() {
    try (BridgeClient adminTab = gw.client(BridgeClient.Transport.RAW, admin);
         BridgeClient bobTab = gw.client(BridgeClient.Transport.SOCKJS, bob);
         BridgeClient vicTab = gw.client(BridgeClient.Transport.RAW, vic);
         BridgeClient adminWatch = gw.client(BridgeClient.Transport.RAW, admin)) {
      vicTab.register(Addresses.PRESENCE_CHANGES);
      adminWatch.register(Addresses.PRESENCE_CHANGES);
      view(adminTab, "host:secret-db");
      view(bobTab, "host:h1");
      view(vicTab, "terminal:abc123");
      // the admin sees every view
      JsonObject all = adminWatch.next(f -> Addresses.PRESENCE_CHANGES.equals(f.getString("address"))
          && viewsOf(f.getJsonObject("body"), "admin").contains("host:secret-db") && viewsOf(f.getJsonObject("body"), "bob").contains("host:h1")
          && viewsOf(f.getJsonObject("body"), "vic").contains("terminal:abc123"), WAIT).getJsonObject("body");
      assertThat(all.getJsonArray("users")).hasSize(3);
      // vic's live change carries the same people, without what vic may not see
      JsonObject seen = vicTab.next(f -> Addresses.PRESENCE_CHANGES.equals(f.getString("address"))
          && viewsOf(f.getJsonObject("body"), "bob").contains("host:h1"), WAIT).getJsonObject("body");
      assertThat(seen.getJsonArray("users").stream().map(u -> ((JsonObject) u).getString("username"))).containsExactly("admin", "bob", "vic");
      assertThat(viewsOf(seen, "admin")).isEmpty();
      assertThat(viewsOf(seen, "vic")).as("terminal views carry a session id").isEmpty();
      // and every change vic ever got, replay included, leaves the secret host out
      for (JsonObject f : vicTab.drain()) {
        assertThat(f.encode()).doesNotContain("secret-db");
      }
      JsonObject asked = ask(vicTab, "list-1");
      assertThat(viewsOf(asked, "bob")).containsExactly("host:h1");
      assertThat(asked.encode()).doesNotContain("secret-db").doesNotContain("abc123");
      assertThat(viewsOf(ask(adminTab, "list-2"), "admin")).containsExactly("host:secret-db");
    }
    Await.until("everyone gone", WAIT, () -> Await.result(gw.vertx.eventBus().<JsonObject>request(Addresses.PRESENCE_LIST, new JsonObject()))
        .body().getJsonArray("users", new JsonArray()).isEmpty());
  }
}
