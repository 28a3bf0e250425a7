package dev.opsbus.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.Vertx;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The generator's Netty subscriber client: the stamp read in place, and whole runs over real sockets
 * against the plain sink and the Vert.x raw server, beside the Vert.x client kept as an option.
 */
class NettySubscriberClientTest {

  private static Vertx vertx;

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopVertx() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static long scan(String text) {
    ByteBuf buf = Unpooled.directBuffer().writeBytes(text.getBytes(StandardCharsets.UTF_8));
    try {
      return new StampScan(StampScan.KEY).find(buf, buf.readerIndex(), buf.writerIndex());
    } finally {
      buf.release();
    }
  }

  @Test
  void theStampIsReadWhereItLiesInEachServersFrame() {
    assertThat(scan("{\"seq\":7,\"t\":123456789012345,\"pad\":\"xxxx\"}")).isEqualTo(123456789012345L);
    assertThat(scan("{\"type\":\"rec\",\"address\":\"bench.fanout\",\"body\":{\"seq\":0,\"t\":42,\"pad\":\"\"}}")).isEqualTo(42);
    assertThat(scan("42[\"msg\",{\"seq\":1,\"t\":99,\"pad\":\"\"}]")).isEqualTo(99);
    assertThat(scan("{\"t\":   -5}")).isEqualTo(-5);
    // a partial match of the key right before the real one
    assertThat(scan("{\"a\":\"\"t\":1}")).isEqualTo(1);
  }

  @Test
  void framesWithoutAStampAreLeftToTheProtocol() {
    assertThat(scan("{\"type\":\"err\",\"message\":\"access_denied\"}")).isEqualTo(StampScan.NONE);
    assertThat(scan("3")).isEqualTo(StampScan.NONE);
    assertThat(scan("{\"t\":\"text\"}")).isEqualTo(StampScan.NONE);
    assertThat(scan("{\"t\":12345678901234567890}")).as("more digits than a long holds").isEqualTo(StampScan.NONE);
  }

  @Test
  void nettyClientCountsEveryDeliveryOfThePlainSink() throws Exception {
    try (FrameSinkServer sink = FrameSinkServer.start("127.0.0.1", 0, 0)) {
      assertAllDelivered(run(SubscriberClient.Kind.NETTY, sink.port(), sink.controlPort()));
    }
  }

  @Test
  void vertxClientStaysAnOption() throws Exception {
    try (FrameSinkServer sink = FrameSinkServer.start("127.0.0.1", 0, 0)) {
      assertAllDelivered(run(SubscriberClient.Kind.VERTX, sink.port(), sink.controlPort()));
    }
  }

  @Test
  void nettyClientReadsTheVertxRawServer() throws Exception {
    RawBroadcastServer server = new RawBroadcastServer("127.0.0.1", 0);
    String id = vertx.deployVerticle(server).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    try {
      assertAllDelivered(run(SubscriberClient.Kind.NETTY, server.actualPort(), server.actualPort()));
    } finally {
      vertx.undeploy(id).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private static PointResult run(SubscriberClient.Kind kind, int port, int controlPort) throws Exception {
    // 5 clients x 40 msg/s, 1.5 s measured; no busy or latency limit: this checks counting, not speed
    LoadOptions base = LoadOptions.quick("raw", URI.create("ws://127.0.0.1:" + port), "http://127.0.0.1:" + controlPort,
        5, 200, 0.5, 1.5);
    LoadOptions o = new LoadOptions(base.protocol(), base.url(), base.controlUrl(), base.server(), base.scenario(),
        base.run(), base.clients(), base.connectRate(), base.warmupSeconds(), base.durationSeconds(),
        base.drainSeconds(), base.pauseSeconds(), base.loads(), base.size(), 0, 1000, 60_000, base.address(),
        null, "admin", null, -1, List.of(), 1, 60_000, 0);
    try (LoadGenerator gen = new LoadGenerator(vertx, o, kind, 1)) {
      List<PointResult> results = gen.runFanout(r -> { });
      assertThat(results).hasSize(1);
      return results.get(0);
    }
  }

  private static void assertAllDelivered(PointResult r) {
    assertThat(r.clientsConnected()).isEqualTo(5);
    assertThat(r.firstError()).isNull();
    assertThat(r.errors()).isZero();
    assertThat(r.invalidFrames()).isZero();
    assertThat(r.disconnects()).isZero();
    assertThat(r.negativeLatencies()).isZero();
    assertThat(r.publishedInWindow()).isPositive();
    assertThat(r.delivered()).isEqualTo(5 * r.publishedInWindow());
    assertThat(r.latencyCount()).isEqualTo(r.delivered());
  }
}
