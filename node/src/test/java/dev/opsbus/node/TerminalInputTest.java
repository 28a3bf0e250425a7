package dev.opsbus.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.wire.SessionEvent;
import dev.opsbus.model.wire.TerminalInput;
import dev.opsbus.testkit.Await;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Terminal input as scripts and browsers send it: keystrokes typed the moment the socket opens
 * (before {@code ready}), a burst of resizes, and keystrokes sent over the bridge by
 * vertx-eventbus.js (a string, or base64 bytes).
 */
class TerminalInputTest {

  static final Duration WAIT = Duration.ofSeconds(20);
  static final String ADMIN_PASSWORD = "input-admin-password";

  @TempDir
  static Path dataDir;

  static OpsbusNode node;
  static Vertx client;
  static WebClient http;
  static String admin;
  /** While set, the gateway's {@code ssh.attach} requests wait in {@link #heldAttaches}. */
  static final AtomicBoolean holdAttach = new AtomicBoolean();
  static final ConcurrentLinkedQueue<Runnable> heldAttaches = new ConcurrentLinkedQueue<>();

  @BeforeAll
  static void start() throws Exception {
    TestDatabase.reset();
    node = OpsbusNode.start(NodeSettings.builder().httpPort(0).httpHost("127.0.0.1").pgUrl(TestDatabase.url()).dataDir(dataDir)
        .demo(true).adminPassword(ADMIN_PASSWORD).build());
    node.vertx().eventBus().addOutboundInterceptor((DeliveryContext<Object> ctx) -> {
      if (holdAttach.get() && Addresses.SSH_ATTACH.equals(ctx.message().address())) {
        Context c = Vertx.currentContext();
        heldAttaches.add(() -> c.runOnContext(v -> ctx.next()));
      } else {
        ctx.next();
      }
    });
    client = Vertx.vertx();
    http = WebClient.create(client, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(node.httpPort()));
    HttpResponse<Buffer> r = await(http.post("/api/login").sendJsonObject(new JsonObject().put("username", "admin").put("password", ADMIN_PASSWORD)));
    admin = r.bodyAsJsonObject().getString("token");
  }

  @AfterAll
  static void stop() throws Exception {
    client.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    node.close();
  }

  static <T> T await(io.vertx.core.Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  static String openTerminal() throws Exception {
    HttpResponse<Buffer> r = await(http.post("/api/hosts/demo/terminals").bearerTokenAuthentication(admin)
        .sendJsonObject(new JsonObject().put("cols", 100).put("rows", 30)));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    return r.bodyAsJsonObject().getString("sessionId");
  }

  @Test
  void keystrokesTypedOnOpenBeforeReadyAreDeliveredInOrder() throws Exception {
    String sid = openTerminal();
    holdAttach.set(true);
    try (TermClient t = TermClient.connectTypingOnOpen(node.httpPort(), sid, admin,
        List.of("echo first-$((6*7))", "\r", "echo second-$((7*7))\r"))) {
      // the server has read the keystrokes (the pong follows them), and the relay has not attached the socket yet
      t.pong().get(20, TimeUnit.SECONDS);
      Await.until("the attach is held", WAIT, () -> !heldAttaches.isEmpty());
      holdAttach.set(false);
      heldAttaches.poll().run();
      JsonObject ready = t.attached(WAIT);
      assertThat(ready.getInteger("typedBeforeReady")).as("bytes the socket held for the attach")
          .isEqualTo("echo first-$((6*7))\recho second-$((7*7))\r".length());
      t.awaitLine("first-42", WAIT);
      t.awaitLine("second-49", WAIT);
      List<String> lines = t.lines();
      assertThat(lines.indexOf("first-42")).isLessThan(lines.indexOf("second-49"));
      assertThat(t.controlFrames()).noneMatch(c -> "error".equals(c.getString("type")));
    } finally {
      holdAttach.set(false);
      heldAttaches.forEach(Runnable::run);
      heldAttaches.clear();
    }
  }

  @Test
  void aBurstOfResizesBecomesAFewResizedEventsEndingAtTheLastSize() throws Exception {
    String sid = openTerminal();
    try (TermClient t = TermClient.connect(client, node.httpPort(), sid, admin)) {
      t.attached(WAIT);
      for (int i = 0; i < 299; i++) {
        t.send(new JsonObject().put("type", "resize").put("cols", 60 + i % 100).put("rows", 20 + i % 30));
      }
      t.send(new JsonObject().put("type", "resize").put("cols", 123).put("rows", 45));
      t.awaitControl(c -> SessionEvent.RESIZED.equals(c.getString("type")) && c.getInteger("cols") == 123 && c.getInteger("rows") == 45, WAIT);
      t.type("stty size\r");
      t.awaitLine("45 123", WAIT);
      long resized = t.controlFrames().stream().filter(c -> SessionEvent.RESIZED.equals(c.getString("type"))).count();
      assertThat(resized).as("resized events for 300 resizes").isBetween(1L, 10L);
      assertThat(t.controlFrames()).noneMatch(c -> "error".equals(c.getString("type")));
    }
  }

  @Test
  void keystrokesSentOverTheBridgeAsTextOrBase64ReachTheShellAndOtherBodiesAreRefused() throws Exception {
    String sid = openTerminal();
    String in = Addresses.SSH_SESSION_IN.format(sid);
    try (TermClient t = TermClient.connect(client, node.httpPort(), sid, admin);
         NodeClient.Bridge eb = new NodeClient(node.httpPort()).bridge(admin)) {
      t.attached(WAIT);
      // a string, as eb.send(address, "...") sends it
      eb.send(new JsonObject().put("type", "send").put("address", in).put("body", "echo text-$((2*21))\r"));
      t.awaitLine("text-42", WAIT);
      // bytes, base64 in the documented field, as a request: the relay's answer comes back
      eb.send(new JsonObject().put("type", "send").put("address", in).put("replyAddress", "r-1")
          .put("body", TerminalInput.bytes("echo bytes-$((3*3))\r".getBytes(StandardCharsets.UTF_8)).toJson()));
      JsonObject answered = eb.next(f -> "r-1".equals(f.getString("address")), WAIT);
      assertThat(answered.getString("type")).as(answered.encode()).isEqualTo("rec");
      t.awaitLine("bytes-9", WAIT);
      // anything else is an err frame at once, even for a plain send
      eb.send(new JsonObject().put("type", "send").put("address", in).put("body", 42));
      JsonObject err = eb.next(f -> "err".equals(f.getString("type")), WAIT);
      assertThat(err.getString("address")).isEqualTo(in);
      assertThat(err.getString("failureType")).isEqualTo("invalid_request");
      assertThat(err.getString("message")).contains("base64");
      eb.send(new JsonObject().put("type", "send").put("address", in).put("replyAddress", "r-2")
          .put("body", new JsonObject().put("base64", "not base64!")));
      JsonObject err2 = eb.next(f -> "r-2".equals(f.getString("address")), WAIT);
      assertThat(err2.getString("type")).isEqualTo("err");
      assertThat(err2.getString("failureType")).isEqualTo("invalid_request");
    }
  }
}
