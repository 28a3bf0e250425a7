package dev.opsbus.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.ErrorCode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The real browser client, vertx-eventbus.js over sockjs-client under Node ({@code src/test/js/lb-scenarios.js}),
 * through a load balancer in front of clustered nodes, on every SockJS transport with the token as
 * the browser's cookie and in every frame's headers: all eight clients at once (one Node process each),
 * so the proxy and the nodes are started once for all of them and the run costs seconds. Each client
 * logs in through the proxy, receives what a service connected straight to one node publishes, gets
 * the reply to a request, and after its logout sees the node's err frame {@code token_revoked} before
 * the close that carries the same reason.
 */
final class EventBusJsThroughProxy {

  static final List<String> TRANSPORTS = List.of("websocket", "xhr-streaming", "xhr-polling", "eventsource");
  static final List<String> AUTHS = List.of("cookie", "header");
  private static final Path SCRIPT = Path.of("src/test/js/lb-scenarios.js");
  private static final int RUN_SECONDS = 75;

  private EventBusJsThroughProxy() {
  }

  /**
   * Runs every transport with each way of carrying the token through the proxy on {@code proxyPort},
   * while a service connected straight to the node on {@code publisherPort} publishes on a log
   * address of host {@code hostId}; asserts what each client saw.
   *
   * @param tag tells this run's users and address apart from another run's on the same cluster
   */
  static void assertEveryTransportWorks(NodeClient proxy, String admin, int proxyPort, int publisherPort, String hostId, String tag)
      throws Exception {
    String address = "logs.host." + hostId + ".js" + tag;
    String service = proxy.user(admin, "feed-" + tag, List.of("service"), List.of(hostId));
    Map<String, String> users = new LinkedHashMap<>();
    for (String transport : TRANSPORTS) {
      for (String auth : AUTHS) {
        String name = "js-" + tag + "-" + transport + "-" + auth;
        proxy.user(admin, name, List.of("viewer"), List.of(hostId));
        users.put(transport + " " + auth, name);
      }
    }
    ScheduledExecutorService feed = Executors.newSingleThreadScheduledExecutor();
    AtomicLong published = new AtomicLong();
    try (NodeClient.Bridge publisher = new NodeClient(publisherPort).bridge(service)) {
      // a message every 200 ms, so a client gets one soon after its register, whichever node holds it
      feed.scheduleAtFixedRate(() -> publisher.send(new JsonObject().put("type", "publish").put("address", address)
          .put("body", new JsonObject().put("lines", new JsonArray().add("from the service on port " + publisherPort))
              .put("n", published.incrementAndGet()))), 0, 200, TimeUnit.MILLISECONDS);

      Map<String, Process> runs = new LinkedHashMap<>();
      for (Map.Entry<String, String> u : users.entrySet()) {
        String[] ta = u.getKey().split(" ");
        runs.put(u.getKey(), new ProcessBuilder("node", SCRIPT.toString(), "bus", "http://127.0.0.1:" + proxyPort, ta[0], ta[1],
            u.getValue(), u.getValue() + "-password", address).redirectErrorStream(true).start());
      }
      List<String> failures = new ArrayList<>();
      for (Map.Entry<String, Process> run : runs.entrySet()) {
        String[] ta = run.getKey().split(" ");
        JsonObject seen = resultOf(run.getKey(), run.getValue());
        try {
          assertSawTheWholeExchange(seen, ta[0], ta[1], address);
        } catch (AssertionError e) {
          failures.add(e.getMessage());
        }
      }
      assertThat(failures).as("clients that did not see what the node promises").isEmpty();
    } finally {
      feed.shutdownNow();
    }
  }

  private static JsonObject resultOf(String what, Process p) throws Exception {
    if (!p.waitFor(RUN_SECONDS, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("vertx-eventbus.js over " + what + " did not finish within " + RUN_SECONDS + " s");
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    String last = out.lines().reduce((a, b) -> b).orElse("");
    assertThat(last).as("output of the client over %s:%n%s", what, out).startsWith("{");
    return new JsonObject(last);
  }

  private static void assertSawTheWholeExchange(JsonObject r, String transport, String auth, String address) {
    String all = r.encode();
    assertThat(r.getBoolean("ok")).as("%s with the token as %s: %s", transport, auth, all).isTrue();
    assertThat(r.getString("used")).as("the transport it opened over: %s", all).isEqualTo(transport);
    JsonObject login = r.getJsonObject("login");
    assertThat(login.getInteger("status")).as(all).isEqualTo(200);
    assertThat(login.getBoolean("cookie")).as("the client holds the token cookie only for cookie auth: %s", all)
        .isEqualTo("cookie".equals(auth));
    assertThat(r.getJsonObject("rec").getString("address")).as(all).isEqualTo(address);
    assertThat(r.getJsonObject("rec").getJsonObject("body").getJsonArray("lines").getString(0)).as(all).startsWith("from the service");
    assertThat(r.getJsonObject("reply").getValue("types")).as("the reply to ops.types: %s", all).isNotNull();
    assertThat(r.getInteger("logout")).as(all).isEqualTo(204);
    JsonObject err = r.getJsonObject("err");
    assertThat(err).as("the err frame before the close: %s", all).isNotNull();
    assertThat(err.getString("failureType")).as(all).isEqualTo(ErrorCode.TOKEN_REVOKED.wireName());
    assertThat(err.getInteger("failureCode")).as(all).isEqualTo(ErrorCode.TOKEN_REVOKED.failureCode());
    assertThat(err.getString("message")).as(all).isNotBlank();
    List<Object> seen = r.getJsonArray("seen").getList();
    assertThat(seen.indexOf("onerror")).as("the err frame comes before the close: %s", all)
        .isGreaterThan(seen.indexOf("reply")).isLessThan(seen.indexOf("close"));
    JsonObject close = r.getJsonObject("close");
    assertThat(close.getInteger("code")).as(all).isEqualTo(1008);
    assertThat(close.getString("reason")).as(all).isEqualTo(ErrorCode.TOKEN_REVOKED.wireName());
  }
}
