package dev.opsbus.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class WireProtocolTest {

  private static final String BODY = BroadcastPublisher.body(7, 123456789L, "xxxx");

  @Test
  void rawReadsTheStampFromAPlainJsonFrame() {
    WireProtocol.Frame f = new RawProtocol().onFrame(Buffer.buffer(BODY));
    assertThat(f.kind()).isEqualTo(WireProtocol.Kind.DELIVERY);
    assertThat(f.seq()).isEqualTo(7);
    assertThat(f.t()).isEqualTo(123456789L);
  }

  @Test
  void socketIoAnswersOpenAndPingAndReadsEvents() {
    SocketIoProtocol p = new SocketIoProtocol();
    assertThat(p.onFrame(Buffer.buffer("0{\"sid\":\"a\",\"pingInterval\":25000}")).reply()).isEqualTo("40");
    assertThat(p.onFrame(Buffer.buffer("2")).reply()).isEqualTo("3");
    assertThat(p.onFrame(Buffer.buffer("40{\"sid\":\"b\"}")).kind()).isEqualTo(WireProtocol.Kind.READY);
    WireProtocol.Frame f = p.onFrame(Buffer.buffer("42[\"tick\"," + BODY + "]"));
    assertThat(f.kind()).isEqualTo(WireProtocol.Kind.DELIVERY);
    assertThat(f.seq()).isEqualTo(7);
    assertThat(p.onFrame(Buffer.buffer("42[\"other\",{}]")).kind()).isEqualTo(WireProtocol.Kind.OTHER);
    assertThat(p.onFrame(Buffer.buffer("44{\"message\":\"no\"}")).kind()).isEqualTo(WireProtocol.Kind.ERROR);
  }

  @Test
  void opsbusRegistersWithTheTokenAndReadsRecFramesInAnyFieldOrder() {
    OpsbusProtocol p = new OpsbusProtocol("bench.fanout", "tok");
    JsonObject register = new JsonObject(p.onOpen().get(0));
    assertThat(register.getString("type")).isEqualTo("register");
    assertThat(register.getJsonObject("headers").getString("authorization")).isEqualTo("Bearer tok");
    assertThat(p.heartbeat()).isEqualTo("{\"type\":\"ping\"}");

    WireProtocol.Frame rec = p.onFrame(Buffer.buffer("{\"body\":" + BODY + ",\"address\":\"bench.fanout\",\"type\":\"rec\"}"));
    assertThat(rec.kind()).isEqualTo(WireProtocol.Kind.DELIVERY);
    assertThat(rec.t()).isEqualTo(123456789L);
  }

  @Test
  void sockJsWrapsTheBridgeFramesAndCountsEveryMessageOfAPackedFrame() {
    SockJsProtocol p = new SockJsProtocol("bench.fanout", "tok");
    assertThat(p.path()).matches("/eventbus/\\d+/[0-9a-z]+/websocket");
    assertThat(p.path()).as("a session of its own per client").isNotEqualTo(p.path());
    JsonObject register = new JsonObject(new io.vertx.core.json.JsonArray(p.onOpen().get(0)).getString(0));
    assertThat(register.getJsonObject("headers").getString("authorization")).isEqualTo("Bearer tok");
    assertThat(p.heartbeat()).isEqualTo("[\"{\\\"type\\\":\\\"ping\\\"}\"]");

    String rec1 = "{\"type\":\"rec\",\"address\":\"bench.fanout\",\"body\":" + BODY + "}";
    String rec2 = rec1.replace("\"seq\":7", "\"seq\":8");
    String packed = "a" + new io.vertx.core.json.JsonArray().add(rec1).add(rec2).encode();
    java.util.List<WireProtocol.Frame> frames = new java.util.ArrayList<>();
    p.onFrames(Buffer.buffer(packed), frames::add);
    assertThat(frames).extracting(WireProtocol.Frame::kind).containsExactly(WireProtocol.Kind.DELIVERY, WireProtocol.Kind.DELIVERY);
    assertThat(frames).extracting(WireProtocol.Frame::seq).containsExactly(7L, 8L);
    assertThat(p.onFrame(Buffer.buffer("o")).kind()).isEqualTo(WireProtocol.Kind.OTHER);
    assertThat(p.onFrame(Buffer.buffer("h")).kind()).isEqualTo(WireProtocol.Kind.OTHER);
    assertThat(p.onFrame(Buffer.buffer("c[1008,\"token_expired\"]")).detail()).contains("token_expired");
  }

  @Test
  void opsbusCountsErrFramesWithTheirReason() {
    WireProtocol.Frame err = new OpsbusProtocol("bench.fanout", null).onFrame(Buffer.buffer(
        "{\"type\":\"err\",\"address\":\"bench.fanout\",\"failureCode\":403,\"failureType\":\"access_denied\","
            + "\"message\":\"viewer may not subscribe\",\"body\":\"access_denied\"}"));
    assertThat(err.kind()).isEqualTo(WireProtocol.Kind.ERROR);
    assertThat(err.detail()).contains("access_denied").contains("bench.fanout");
  }

  @Test
  void aBodyWithoutAStampIsInvalid() {
    assertThat(new RawProtocol().onFrame(Buffer.buffer("{\"seq\":1}")).kind()).isEqualTo(WireProtocol.Kind.INVALID);
    assertThat(new RawProtocol().onFrame(Buffer.buffer("not json")).kind()).isEqualTo(WireProtocol.Kind.INVALID);
  }

  @Test
  void theBodyIsAboutTheRequestedSize() {
    String pad = "x".repeat(200 - BroadcastPublisher.PAD_OVERHEAD);
    int length = BroadcastPublisher.body(12345, 987654321012345L, pad).length();
    assertThat(length).isBetween(190, 210);
  }

  @Test
  void scheduledMessagesAreCountedPerWindow() {
    // 10 msg/s from t0 = 0: seq 0..9 in the first second, 10..29 in the next two
    assertThat(LoadGenerator.countScheduled(10, 0, 1_000_000_000L, 3_000_000_000L, Long.MAX_VALUE)).isEqualTo(20);
    assertThat(LoadGenerator.countScheduled(10, 0, 1_000_000_000L, 3_000_000_000L, 15)).isEqualTo(5);
  }
}
