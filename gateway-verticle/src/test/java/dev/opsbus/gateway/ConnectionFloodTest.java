package dev.opsbus.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.gateway.http.ConnectionLimits;
import dev.opsbus.testkit.Await;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, point 4: thousands of silent TCP connections (20,000 exhausted the node's descriptors
 * before) do not stop {@code /health} and {@code /api/login}, and every one of them is closed by
 * the header timeout. The test JVM holds both ends of each connection under one descriptor limit
 * (see {@code ulimit -n}), so it opens 4,000 connections by default, past both caps it configures.
 */
class ConnectionFloodTest {

  static final Duration WAIT = Duration.ofSeconds(60);
  /**
   * Silent connections opened: twice the node's cap, from five addresses, each past its per-address
   * cap. {@code -Dopsbus.flood.connections=9000} runs it larger (two descriptors each, in this JVM).
   */
  static final int SILENT = Integer.getInteger("opsbus.flood.connections", 4000);
  static final int NODE_CAP = SILENT / 2;
  static final int ADDRESSES = 5;
  static final int ADDRESS_CAP = SILENT / ADDRESSES * 3 / 4;

  static GatewayHarness gw;

  @BeforeAll
  static void start() {
    ConnectionLimits d = ConnectionLimits.defaults();
    ConnectionLimits tight = new ConnectionLimits(Duration.ofMillis(1500), Duration.ofSeconds(3), NODE_CAP, ADDRESS_CAP,
        d.socketAuthTimeout(), d.maxSockets(), d.maxAnonymousSockets(), d.maxSocketsPerAddress(), d.maxTerminalSocketsPerUser(),
        d.refusalAuditWindow(), null, 0, d.metricsHost());
    gw = GatewayHarness.start(c -> c.withConnections(tight));
  }

  @AfterAll
  static void stop() {
    gw.close();
  }

  @Test
  void silentConnectionsNeitherStopHealthNorLoginAndAreAllClosedByTheHeaderTimeout() throws Exception {
    List<SocketChannel> silent = new ArrayList<>();
    try (Selector selector = Selector.open()) {
      for (int i = 0; i < SILENT; i++) {
        SocketChannel ch = SocketChannel.open();
        ch.bind(new InetSocketAddress("127.0.0." + (70 + i % ADDRESSES), 0));
        ch.connect(new InetSocketAddress("127.0.0.1", gw.port()));
        ch.configureBlocking(false);
        ch.register(selector, SelectionKey.OP_READ);
        silent.add(ch);
      }
      // a client that speaks gets through while the silent ones sit there
      HttpResponse<Buffer> health = Await.result(gw.http.get("/health").send());
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.bodyAsJsonObject().getString("status")).isEqualTo("up");
      HttpResponse<Buffer> login = gw.login("admin", GatewayHarness.ADMIN_PASSWORD);
      assertThat(login.statusCode()).as(login.bodyAsString()).isEqualTo(200);
      assertThat(login.bodyAsJsonObject().getString("token")).isNotBlank();
      assertThat(gw.gateway.connectionGuard().open()).as("connections the node holds").isLessThanOrEqualTo(NODE_CAP + 1);
      assertThat(gw.gateway.connectionGuard().refusedTotal()).as("past the per-address cap: closed at once").isPositive();

      // every silent connection is closed by the server: at once past a cap, else by the header timeout
      int closed = awaitAllClosed(selector, silent.size(), WAIT);
      assertThat(closed).isEqualTo(SILENT);
      Await.until("the node holds no silent connection", WAIT, () -> gw.gateway.connectionGuard().open() <= 2);
      assertThat(gw.gateway.connectionGuard().timedOutTotal()).isPositive();

      // and the node still answers
      assertThat(Await.result(gw.http.get("/health").send()).statusCode()).isEqualTo(200);
    } finally {
      for (SocketChannel ch : silent) {
        try {
          ch.close();
        } catch (IOException ignored) {
          // already gone
        }
      }
    }
  }

  @Test
  void aClientThatTricklesItsHeadersIsClosedByTheHeaderTimeout() throws Exception {
    try (SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", gw.port()));
         Selector selector = Selector.open()) {
      // half a request head, then nothing more: the head never completes
      ch.write(ByteBuffer.wrap("GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: 1".getBytes()));
      ch.configureBlocking(false);
      ch.register(selector, SelectionKey.OP_READ);
      assertThat(awaitAllClosed(selector, 1, WAIT)).isEqualTo(1);
    }
  }

  @Test
  void keepAliveConnectionsAnswerThenCloseWhenIdle() throws Exception {
    try (SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", gw.port()));
         Selector selector = Selector.open()) {
      ch.write(ByteBuffer.wrap("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes()));
      ch.configureBlocking(false);
      ch.register(selector, SelectionKey.OP_READ);
      StringBuilder got = new StringBuilder();
      // the answer comes, then the idle timeout closes the kept-alive connection
      assertThat(awaitAllClosed(selector, 1, WAIT, got)).isEqualTo(1);
      assertThat(got.toString()).startsWith("HTTP/1.1 200").contains("\"status\":\"up\"");
    }
  }

  static int awaitAllClosed(Selector selector, int expected, Duration timeout) throws IOException {
    return awaitAllClosed(selector, expected, timeout, new StringBuilder());
  }

  /** Reads every registered channel until the server closes it (EOF or reset); returns how many closed within {@code timeout}. */
  static int awaitAllClosed(Selector selector, int expected, Duration timeout, StringBuilder received) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    ByteBuffer buf = ByteBuffer.allocate(8192);
    int closed = 0;
    while (closed < expected) {
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        break;
      }
      selector.select(left);
      for (SelectionKey key : selector.selectedKeys()) {
        SocketChannel ch = (SocketChannel) key.channel();
        int n;
        try {
          buf.clear();
          n = ch.read(buf);
        } catch (IOException reset) {
          n = -1;
        }
        if (n < 0) {
          key.cancel();
          ch.close();
          closed++;
        } else if (n > 0) {
          received.append(new String(buf.array(), 0, n, java.nio.charset.StandardCharsets.ISO_8859_1));
        }
      }
      selector.selectedKeys().clear();
    }
    return closed;
  }
}
