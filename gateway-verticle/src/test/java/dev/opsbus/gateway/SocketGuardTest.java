package dev.opsbus.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.gateway.http.ConnectionLimits;
import dev.opsbus.model.Addresses;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.wire.SessionStatus;
import dev.opsbus.model.wire.TerminalAttached;
import dev.opsbus.testkit.Await;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 11, points 4, 8 and 9 on real-time sockets: a socket must log in within the deadline; caps on
 * anonymous sockets, on sockets per client address and on terminal sockets per user answer an err
 * frame with a code and close with a reason; an oversized WebSocket frame closes with 1009 and a
 * reason on the bridge and the terminal; a malformed SockJS envelope is answered with an err frame.
 */
class SocketGuardTest {

  static final Duration WAIT = Duration.ofSeconds(20);
  static final int ANONYMOUS_CAP = 3;
  static final int ADDRESS_CAP = 6;
  static final int TERMINAL_CAP = 2;

  static GatewayHarness gw;
  static String viewer;
  static String operator;
  static MessageConsumer<JsonObject> relay;

  @BeforeAll
  static void start() {
    ConnectionLimits d = ConnectionLimits.defaults();
    ConnectionLimits tight = new ConnectionLimits(d.headerTimeout(), d.httpIdleTimeout(), d.maxHttpConnections(),
        d.maxHttpConnectionsPerAddress(), Duration.ofMillis(1500), d.maxSockets(), ANONYMOUS_CAP, ADDRESS_CAP, TERMINAL_CAP,
        d.refusalAuditWindow(), null, 0, d.metricsHost());
    gw = GatewayHarness.start(c -> c.withConnections(tight));
    viewer = gw.user("vera", List.of("viewer"), List.of("h1"));
    operator = gw.user("otto", List.of("operator"), List.of("h1"));
    // a stand-in for the SSH relay: every attach succeeds, so terminal sockets stay open
    relay = gw.vertx.eventBus().consumer(Addresses.SSH_ATTACH, m -> m.reply(
        new TerminalAttached(null, "h1", "writer", 80, 24, SessionStatus.ACTIVE, "", 0).toJson()));
    Await.result(relay.completion());
  }

  @BeforeEach
  void eachTestStartsWithNoSocketOpen() {
    noSocketsLeft();
  }

  @AfterAll
  static void stop() {
    gw.close();
  }

  @ParameterizedTest
  @EnumSource(BridgeClient.Transport.class)
  void aSocketThatDoesNotLogInInTimeIsClosedWithAReason(BridgeClient.Transport transport) {
    try (BridgeClient c = gw.client(transport, null)) {
      JsonObject err = c.nextErr(WAIT);
      assertThat(err.getString("failureType")).isEqualTo(ErrorCode.NOT_LOGGED_IN.wireName());
      assertThat(err.getString("message")).contains("1500 ms");
      Await.until("closed", WAIT, c::isClosed);
      assertThat(c.closeStatus()).isEqualTo((short) 1008);
      assertThat(c.closeReason()).isEqualTo(ErrorCode.NOT_LOGGED_IN.wireName());
    }
  }

  @Test
  void aSocketThatLogsInWithItsFirstFrameStaysOpen() {
    try (BridgeClient c = gw.client(BridgeClient.Transport.RAW, null)) {
      c.register(Addresses.METRICS_NODE, viewer);
      subscribed();
      // well past the deadline, a ping still gets through: the socket was not closed
      gw.vertx.eventBus().publish(Addresses.METRICS_NODE, new JsonObject().put("n", 1));
      JsonObject rec = c.next(f -> "rec".equals(f.getString("type")), WAIT);
      assertThat(rec.getJsonObject("body").getInteger("n")).isEqualTo(1);
      long until = System.nanoTime() + Duration.ofMillis(3000).toNanos();
      Await.until("past the login deadline", WAIT, () -> System.nanoTime() > until);
      gw.vertx.eventBus().publish(Addresses.METRICS_NODE, new JsonObject().put("n", 2));
      assertThat(c.next(f -> "rec".equals(f.getString("type")), WAIT).getJsonObject("body").getInteger("n")).isEqualTo(2);
      assertThat(c.isClosed()).isFalse();
    }
  }

  @Test
  void anonymousSocketsPastTheCapAreRefusedAndALoggedInOneIsNot() {
    List<BridgeClient> anonymous = new ArrayList<>();
    try {
      for (int i = 0; i < ANONYMOUS_CAP; i++) {
        anonymous.add(BridgeClient.connect(gw.vertx, BridgeClient.Transport.RAW, gw.port(), null));
      }
      Await.until("three anonymous sockets", WAIT, () -> gw.gateway.bridge().caps().anonymousSockets() == ANONYMOUS_CAP);
      try (BridgeClient refused = BridgeClient.connect(gw.vertx, BridgeClient.Transport.RAW, gw.port(), null);
           BridgeClient loggedIn = gw.client(BridgeClient.Transport.RAW, viewer)) {
        JsonObject err = refused.nextErr(WAIT);
        assertThat(err.getString("failureType")).isEqualTo(ErrorCode.UNAVAILABLE.wireName());
        assertThat(err.getString("message")).contains("not logged in");
        Await.until("refused socket closed", WAIT, refused::isClosed);
        assertThat(refused.closeStatus()).isEqualTo((short) 1013);
        assertThat(refused.closeReason()).isEqualTo(ErrorCode.UNAVAILABLE.wireName());
        loggedIn.register(Addresses.METRICS_NODE);
        subscribed();
        gw.vertx.eventBus().publish(Addresses.METRICS_NODE, new JsonObject().put("n", 3));
        assertThat(loggedIn.next(f -> "rec".equals(f.getString("type")), WAIT).getJsonObject("body").getInteger("n")).isEqualTo(3);
      }
    } finally {
      anonymous.forEach(BridgeClient::close);
    }
  }

  @Test
  void socketsPerClientAddressAreCappedAndTheRefusalSaysSo() {
    List<BridgeClient> open = new ArrayList<>();
    try {
      for (int i = 0; i < ADDRESS_CAP; i++) {
        open.add(gw.client(i % 2 == 0 ? BridgeClient.Transport.RAW : BridgeClient.Transport.SOCKJS, viewer));
      }
      Await.until("six sockets", WAIT, () -> gw.gateway.bridge().caps().sockets() == ADDRESS_CAP);
      try (BridgeClient refused = gw.client(BridgeClient.Transport.SOCKJS, viewer)) {
        JsonObject err = refused.nextErr(WAIT);
        assertThat(err.getString("failureType")).isEqualTo(ErrorCode.TOO_MANY_CONNECTIONS.wireName());
        assertThat(err.getString("message")).contains("127.0.0.1");
        Await.until("refused socket closed", WAIT, refused::isClosed);
      }
      // a terminal socket counts under the same cap
      Terminal t = Terminal.open(operator, "s-addr");
      assertThat(t.awaitClose()).isEqualTo((short) 1013);
      assertThat(t.error().getString("code")).isEqualTo(ErrorCode.TOO_MANY_CONNECTIONS.wireName());
    } finally {
      open.forEach(BridgeClient::close);
    }
  }

  @Test
  void terminalSocketsPerUserAreCappedWithAnErrorAndAReason() {
    Terminal first = Terminal.open(operator, "s-1");
    Terminal second = Terminal.open(operator, "s-2");
    first.awaitReady();
    second.awaitReady();
    Terminal third = Terminal.open(operator, "s-3");
    assertThat(third.awaitClose()).isEqualTo((short) 1013);
    assertThat(third.closeReason()).isEqualTo(ErrorCode.TOO_MANY_CONNECTIONS.wireName());
    assertThat(third.error().getString("message")).contains("otto").contains("2 terminal sockets");
    // another user is not affected; and once one closes, the user may open another
    Terminal other = Terminal.open(viewer, "s-4");
    other.awaitReady();
    Await.result(first.ws.close());
    Await.until("released", WAIT, () -> gw.gateway.bridge().caps().sockets() == 2);
    Terminal again = Terminal.open(operator, "s-5");
    again.awaitReady();
    for (Terminal t : List.of(second, other, again)) {
      Await.result(t.ws.close());
    }
  }

  @Test
  void anOversizedBridgeFrameClosesWith1009AndAReason() {
    try (BridgeClient c = gw.client(BridgeClient.Transport.RAW, viewer)) {
      String big = "{\"type\":\"send\",\"address\":\"x\",\"body\":\"" + "a".repeat(1024 * 1024) + "\"}";
      c.socket().writeFrame(WebSocketFrame.textFrame(big, true));
      Await.until("closed", WAIT, c::isClosed);
      assertThat(c.closeStatus()).isEqualTo((short) 1009);
      assertThat(c.closeReason()).isEqualTo(ErrorCode.TOO_LARGE.wireName());
    }
  }

  @Test
  void aMessageWhoseFragmentsAddUpPastTheLimitClosesWith1009() {
    try (BridgeClient c = gw.client(BridgeClient.Transport.RAW, viewer)) {
      // three frames of 60 KB, each under the frame limit, together over the message limit (128 KB)
      String part = "b".repeat(60 * 1024);
      c.socket().writeFrame(WebSocketFrame.textFrame("{\"type\":\"send\",\"address\":\"x\",\"body\":\"" + part, false));
      c.socket().writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer(part), false));
      c.socket().writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer(part + "\"}"), true));
      Await.until("closed", WAIT, c::isClosed);
      assertThat(c.closeStatus()).isEqualTo((short) 1009);
      assertThat(c.closeReason()).isEqualTo(ErrorCode.TOO_LARGE.wireName());
    }
    // a fragmented message within the limit is read as one frame
    try (BridgeClient c = gw.client(BridgeClient.Transport.RAW, viewer)) {
      c.socket().writeFrame(WebSocketFrame.textFrame("{\"type\":\"register\",", false));
      c.socket().writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer("\"address\":\"" + Addresses.METRICS_NODE + "\"}"), true));
      subscribed();
      gw.vertx.eventBus().publish(Addresses.METRICS_NODE, new JsonObject().put("n", 5));
      assertThat(c.next(f -> "rec".equals(f.getString("type")), WAIT).getJsonObject("body").getInteger("n")).isEqualTo(5);
    }
  }

  @Test
  void anOversizedTerminalFrameClosesWith1009AndAReason() {
    Terminal t = Terminal.open(operator, "s-big");
    t.awaitReady();
    t.ws.writeFrame(WebSocketFrame.binaryFrame(Buffer.buffer(new byte[1024 * 1024]), true));
    assertThat(t.awaitClose()).isEqualTo((short) 1009);
    assertThat(t.closeReason()).isEqualTo(ErrorCode.TOO_LARGE.wireName());
  }

  @Test
  void aMalformedSockJsEnvelopeIsAnsweredWithAnErrFrameAndTheSessionServesOn() {
    try (BridgeClient c = gw.client(BridgeClient.Transport.SOCKJS, viewer)) {
      // not a JSON array of strings: the envelope itself is broken
      c.socket().writeTextMessage("[\"unterminated");
      JsonObject err = c.nextErr(WAIT);
      assertThat(err.getString("failureType")).isEqualTo(ErrorCode.INVALID_JSON.wireName());
      c.socket().writeTextMessage("{\"type\":\"register\"");
      assertThat(c.nextErr(WAIT).getString("failureType")).isEqualTo(ErrorCode.INVALID_JSON.wireName());
      c.register(Addresses.METRICS_NODE);
      subscribed();
      gw.vertx.eventBus().publish(Addresses.METRICS_NODE, new JsonObject().put("n", 4));
      assertThat(c.next(f -> "rec".equals(f.getString("type")), WAIT).getJsonObject("body").getInteger("n")).isEqualTo(4);
      assertThat(c.isClosed()).isFalse();
    }
  }

  static void subscribed() {
    Await.until("subscribed to metrics.node", WAIT, () -> gw.gateway.bridge().subscriberCount(Addresses.METRICS_NODE) > 0);
  }

  static void noSocketsLeft() {
    Await.until("no socket left from other tests", WAIT, () -> gw.gateway.bridge().caps().sockets() == 0
        && gw.gateway.bridge().connectionCount() == 0);
  }

  /** A terminal WebSocket as the console opens it. */
  static final class Terminal {
    final WebSocket ws;
    final BlockingQueue<JsonObject> texts;
    final CompletableFuture<Short> closed;
    private final String[] reason;

    String closeReason() {
      return reason[0];
    }

    private Terminal(WebSocket ws, BlockingQueue<JsonObject> texts, CompletableFuture<Short> closed, String[] reason) {
      this.ws = ws;
      this.texts = texts;
      this.closed = closed;
      this.reason = reason;
    }

    static Terminal open(String token, String sid) {
      WebSocketConnectOptions o = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(gw.port()).setURI("/ws/terminal/" + sid)
          .addHeader("Authorization", "Bearer " + token);
      BlockingQueue<JsonObject> texts = new LinkedBlockingQueue<>();
      CompletableFuture<Short> closed = new CompletableFuture<>();
      String[] reason = new String[1];
      // handlers set on the event loop as the socket opens, so a message the server writes at once is not missed
      WebSocket ws = Await.result(gw.vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(2 * 1024 * 1024))
          .connect(o).map(s -> {
            s.textMessageHandler(t -> texts.add(new JsonObject(t)));
            s.closeHandler(v -> {
              reason[0] = s.closeReason();
              closed.complete(s.closeStatusCode());
            });
            return s;
          }));
      return new Terminal(ws, texts, closed, reason);
    }

    JsonObject next(String type) {
      long deadline = System.nanoTime() + WAIT.toNanos();
      List<JsonObject> skipped = new ArrayList<>();
      while (System.nanoTime() < deadline) {
        try {
          JsonObject m = texts.poll(100, TimeUnit.MILLISECONDS);
          if (m != null && type.equals(m.getString("type"))) {
            return m;
          }
          if (m != null) {
            skipped.add(m);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError(e);
        }
      }
      throw new AssertionError("no " + type + " message within " + WAIT + "; saw " + skipped + (closed.isDone() ? " closed " + closed.join() + " " + reason[0] : ""));
    }

    void awaitReady() {
      next("ready");
    }

    JsonObject error() {
      return next("error");
    }

    Short awaitClose() {
      try {
        return closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        throw new AssertionError("terminal socket not closed within " + WAIT, e);
      }
    }
  }
}
