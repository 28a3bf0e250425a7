package dev.opsbus.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.gateway.telemetry.PrometheusText;
import dev.opsbus.gateway.telemetry.PrometheusText.Family;
import dev.opsbus.gateway.telemetry.PrometheusText.Sample;
import dev.opsbus.model.Addresses;
import dev.opsbus.model.wire.SessionSnapshot;
import dev.opsbus.model.wire.SessionStatus;
import dev.opsbus.testkit.Await;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 16, point 9: {@code /metrics} tells the truth. After real traffic over the raw WebSocket,
 * SockJS and HTTP publish (a delivery, a reply, refused frames), the scrape parses whole under the
 * strict reader ({@link PrometheusText}; and {@code promtool check metrics} when it is on the
 * PATH), counters are counters named {@code _total}, refusals are counted by code, the delivery
 * latency histogram has samples, and the event loop's lag, queue depth and SSH sessions are shown.
 */
class TelemetryScrapeTest {

  static final Duration WAIT = Duration.ofSeconds(10);
  /** Some 20 MB go through one socket in the queue test: generous on a loaded machine. */
  static final Duration SLOW_WAIT = Duration.ofSeconds(30);

  static GatewayHarness gw;
  static String admin;
  static String viewer;

  @BeforeAll
  static void start() {
    gw = GatewayHarness.start();
    admin = gw.adminToken();
    viewer = gw.user("tess", List.of("viewer"), List.of("h1"));
  }

  @AfterAll
  static void stop() {
    gw.close();
  }

  static int subscriptions() {
    return Await.result(gw.vertx.eventBus().<JsonObject>request(Addresses.NODE_GATEWAY_STATS.format(gw.nodeId), null))
        .body().getInteger("bridgeSubscriptions");
  }

  static Map<String, Family> scrape() {
    HttpResponse<Buffer> r = Await.result(gw.http.get("/metrics").send());
    assertThat(r.statusCode()).isEqualTo(200);
    String text = r.bodyAsString();
    promtool(text);
    return PrometheusText.parse(text);
  }

  static double value(Map<String, Family> f, String family, Predicate<Sample> which) {
    assertThat(f).as("family %s on /metrics", family).containsKey(family);
    return f.get(family).samples.stream().filter(which).mapToDouble(Sample::value).sum();
  }

  static Predicate<Sample> label(String name, String value) {
    return s -> value.equals(s.label(name));
  }

  @Test
  void theScrapeParsesAndCountsWhatHappened() {
    try (BridgeClient raw = gw.client(BridgeClient.Transport.RAW, viewer);
         BridgeClient sockjs = gw.client(BridgeClient.Transport.SOCKJS, viewer)) {
      int before = subscriptions();
      raw.register(Addresses.METRICS_NODE);
      sockjs.register(Addresses.METRICS_NODE);
      Await.until("both subscribed", WAIT, () -> subscriptions() >= before + 2);

      // two deliveries to both, through the one bus consumer
      for (int n = 1; n <= 2; n++) {
        gw.vertx.eventBus().publish(Addresses.METRICS_NODE, new JsonObject().put("type", "node_metrics").put("n", n));
        raw.next(f -> Addresses.METRICS_NODE.equals(f.getString("address")), WAIT);
        sockjs.next(f -> Addresses.METRICS_NODE.equals(f.getString("address")), WAIT);
      }
      // a reply (presence.list is served by the gateway itself)
      raw.send(new JsonObject().put("type", "send").put("address", "presence.list").put("replyAddress", "r-1").put("body", new JsonObject()));
      raw.next(f -> "r-1".equals(f.getString("address")), WAIT);
      // two refused frames, each with its code
      raw.register("no.such.address");
      assertThat(raw.nextErr(WAIT).getString("failureType")).isEqualTo("unknown_address");
      raw.sendText("{not json");
      assertThat(raw.nextErr(WAIT).getString("failureType")).isEqualTo("invalid_json");
      // a request over HTTP
      Await.result(gw.http.post("/api/bus/request").bearerTokenAuthentication(admin)
          .sendJsonObject(new JsonObject().put("address", "presence.list").put("body", new JsonObject())));
      // a terminal session held by this node's relay, as the relay announces it
      gw.vertx.eventBus().publish(Addresses.SSH_SESSIONS, new SessionSnapshot(SessionSnapshot.TYPE, Instant.now(), 1, "s-telemetry", "h1",
          "admin", gw.nodeId, SessionStatus.ACTIVE, 80, 24, List.of(), Instant.now(), null).toJson());
      Await.until("the session is counted", WAIT, () -> value(scrape(), "opsbus_ssh_sessions", s -> true) == 1);

      Map<String, Family> f = scrape();
      for (Family family : f.values()) {
        if (family.type.equals("counter")) {
          assertThat(family.samples).as("samples of counter %s", family.name).allMatch(s -> s.name().endsWith("_total"));
        } else {
          assertThat(family.name).as("a %s named like a counter", family.type).doesNotEndWith("_total");
        }
      }
      assertThat(f.get("opsbus_bridge_messages_received_total").type).isEqualTo("counter");
      assertThat(f.get("opsbus_bridge_messages_sent_total").type).isEqualTo("counter");
      assertThat(f.get("opsbus_bridge_refusals_total").type).isEqualTo("counter");
      assertThat(value(f, "opsbus_bridge_messages_received_total", label("transport", "websocket"))).isGreaterThanOrEqualTo(4);
      assertThat(value(f, "opsbus_bridge_messages_received_total", label("transport", "sockjs"))).isGreaterThanOrEqualTo(1);
      assertThat(value(f, "opsbus_bridge_messages_received_total", label("transport", "http"))).isEqualTo(1);
      assertThat(value(f, "opsbus_bridge_messages_received_total", label("transport", "tcp"))).as("shown at zero").isZero();
      assertThat(value(f, "opsbus_bridge_messages_sent_total", label("transport", "websocket"))).as("two deliveries and a reply")
          .isGreaterThanOrEqualTo(3);
      assertThat(value(f, "opsbus_bridge_messages_sent_total", label("transport", "sockjs"))).isGreaterThanOrEqualTo(2);
      assertThat(f.get("opsbus_bridge_messages_sent_total").samples).as("HTTP answers are no bus deliveries")
          .noneMatch(s -> "http".equals(s.label("transport")));
      assertThat(value(f, "opsbus_bridge_refusals_total", label("code", "unknown_address"))).isEqualTo(1);
      assertThat(value(f, "opsbus_bridge_refusals_total", label("code", "invalid_json"))).isEqualTo(1);
      assertThat(value(f, "opsbus_bridge_connections_opened_total", label("transport", "websocket"))).isGreaterThanOrEqualTo(1);

      Family latency = f.get("opsbus_bridge_delivery_latency_seconds");
      assertThat(latency.type).isEqualTo("histogram");
      assertThat(latency.samples.stream().filter(s -> s.name().endsWith("_bucket"))).hasSizeGreaterThan(10)
          .allMatch(s -> gw.nodeId.equals(s.label("node")));
      assertThat(value(f, "opsbus_bridge_delivery_latency_seconds", s -> s.name().endsWith("_count"))).as("one per subscriber and message")
          .isGreaterThanOrEqualTo(4);

      assertThat(f.get("opsbus_event_loop_lag_seconds").type).isEqualTo("gauge");
      assertThat(f.get("opsbus_event_loop_lag_max_seconds").type).isEqualTo("gauge");
      assertThat(value(f, "opsbus_event_loop_lag_seconds", label("node", gw.nodeId))).isGreaterThanOrEqualTo(0).isLessThan(5);
      assertThat(value(f, "opsbus_bridge_queued_frames", s -> true)).as("both sockets keep up").isZero();
      assertThat(f).containsKey("opsbus_bridge_queued_frames_max");
      assertThat(value(f, "opsbus_bridge_connections_max", s -> true)).isEqualTo(10_000);
      theDashboardNamesOnlyWhatIsScraped(f);
    }
  }

  @Test
  void aSocketThatDoesNotReadShowsItsOutboundQueueUntilItCatchesUp() {
    try (BridgeClient slow = gw.client(BridgeClient.Transport.RAW, admin)) {
      int before = subscriptions();
      slow.register(Addresses.ACTIVITY_EVENTS);
      Await.until("subscribed", SLOW_WAIT, () -> subscriptions() > before);
      // the client stops reading: the kernel's buffers and Netty's fill, then the bridge queues
      slow.socket().pause();
      String pad = "x".repeat(32 * 1024);
      for (int i = 0; i < 600; i++) {
        gw.vertx.eventBus().publish(Addresses.ACTIVITY_EVENTS, new JsonObject().put("type", "filler").put("i", i).put("pad", pad));
      }
      Await.until("frames queued", SLOW_WAIT, () -> value(scrape(), "opsbus_bridge_queued_frames", s -> true) > 0);
      // on several event loops the socket's loop may still be queueing while a scrape reads: wait until it settled
      double[] last = {-1};
      Await.until("the backlog settled", SLOW_WAIT, () -> {
        double now = value(scrape(), "opsbus_bridge_queued_frames", s -> true);
        boolean same = now == last[0];
        last[0] = now;
        return same;
      });
      Map<String, Family> f = scrape();
      assertThat(value(f, "opsbus_bridge_queued_frames_max", s -> true)).isPositive()
          .isEqualTo(value(f, "opsbus_bridge_queued_frames", s -> true));
      slow.socket().resume();
      Await.until("the queue drained", SLOW_WAIT, () -> value(scrape(), "opsbus_bridge_queued_frames", s -> true) == 0);
      slow.next(m -> m.getJsonObject("body") != null && m.getJsonObject("body").getInteger("i", -1) == 599, SLOW_WAIT);
      assertThat(slow.isClosed()).as("below queueBound: kept").isFalse();
    }
  }

  /** {@code deploy/grafana/opsbus.json} queries only series {@code /metrics} has. */
  static void theDashboardNamesOnlyWhatIsScraped(Map<String, Family> f) {
    String dashboard;
    try {
      dashboard = Files.readString(Path.of(System.getProperty("user.dir")).resolve("../deploy/grafana/opsbus.json"));
    } catch (IOException e) {
      throw new AssertionError("deploy/grafana/opsbus.json could not be read: " + e.getMessage(), e);
    }
    new JsonObject(dashboard); // valid JSON
    Matcher m = Pattern.compile("opsbus_[a-z0-9_]+").matcher(dashboard);
    int names = 0;
    while (m.find()) {
      String name = m.group();
      String family = name.replaceFirst("_(bucket|count|sum)$", "");
      assertThat(f).as("the dashboard's %s on /metrics", name).containsKey(f.containsKey(name) ? name : family);
      names++;
    }
    assertThat(names).isGreaterThan(10);
  }

  /** {@code promtool check metrics} when it is installed: the text must parse (lint remarks are printed, not failed). */
  static void promtool(String text) {
    Path tool = onPath("promtool");
    if (tool == null) {
      return;
    }
    try {
      Process p = new ProcessBuilder(tool.toString(), "check", "metrics").redirectErrorStream(true).start();
      try (var in = p.getOutputStream()) {
        in.write(text.getBytes(StandardCharsets.UTF_8));
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      // 0: clean; 3: it parsed, and lint has remarks; anything else: it did not parse
      assertThat(p.exitValue()).as("promtool check metrics: %s", out).isIn(0, 3);
      if (!out.isBlank()) {
        System.out.println("promtool check metrics: " + out);
      }
    } catch (IOException e) {
      throw new AssertionError("promtool could not be run: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  static Path onPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }
}
