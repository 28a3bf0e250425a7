package dev.opsbus.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Netty client reads SockJS's packed frames ({@code a[...]}, several bridge frames in one
 * WebSocket message) in place: every stamp counts as one delivery, and a packed error frame still
 * reaches the protocol's parser, so it is counted as an error and its deliveries are not lost.
 */
class PackedSockJsFramesTest {

  private final List<Long> stamps = new ArrayList<>();
  private final List<WireProtocol.Frame> others = new ArrayList<>();
  private EmbeddedChannel channel;

  @BeforeEach
  void upgrade() {
    SubscriberClient.Events events = new SubscriberClient.Events() {
      @Override
      public void delivery(long t, long now) {
        stamps.add(t);
      }

      @Override
      public void frame(SubscriberClient.ClientSocket socket, WireProtocol.Frame frame) {
        others.add(frame);
      }

      @Override
      public void error(String message) {
        others.add(WireProtocol.Frame.error(message));
      }

      @Override
      public void closed() {
      }
    };
    SockJsProtocol protocol = new SockJsProtocol("bench.fanout", "token");
    channel = new EmbeddedChannel(new NettyWebSocketHandler("127.0.0.1:1", protocol.path(), protocol, events, Promise.promise()));
    ByteBuf request = channel.readOutbound();
    Matcher key = Pattern.compile("Sec-WebSocket-Key: (\\S+)").matcher(request.toString(StandardCharsets.US_ASCII));
    request.release();
    assertThat(key.find()).isTrue();
    String answer = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Accept: " + NettyWebSocketHandler.expectedAccept(key.group(1)) + "\r\n\r\n";
    channel.writeInbound(Unpooled.copiedBuffer(answer, StandardCharsets.US_ASCII));
  }

  private static String rec(long t) {
    return new JsonObject().put("type", "rec").put("address", "bench.fanout")
        .put("body", new JsonObject().put("seq", t).put("t", t).put("pad", "x".repeat(150))).encode();
  }

  private void receive(String sockJsFrame) {
    byte[] payload = sockJsFrame.getBytes(StandardCharsets.UTF_8);
    ByteBuf frame = Unpooled.buffer().writeByte(0x81);
    if (payload.length < 126) {
      frame.writeByte(payload.length);
    } else {
      frame.writeByte(126).writeShort(payload.length);
    }
    channel.writeInbound(frame.writeBytes(payload));
  }

  private static String packed(String... bridgeFrames) {
    JsonArray a = new JsonArray();
    for (String f : bridgeFrames) {
      a.add(f);
    }
    return "a" + a.encode();
  }

  @Test
  void everyStampOfAPackedFrameIsOneDelivery() {
    receive(packed(rec(111), rec(222), rec(333)));
    receive(packed(rec(444)));
    assertThat(stamps).containsExactly(111L, 222L, 333L, 444L);
    assertThat(others).isEmpty();
  }

  @Test
  void aPackedErrorFrameGoesToTheParserWithItsDeliveries() {
    String err = new JsonObject().put("type", "err").put("failureCode", "slow_consumer").put("message", "too slow").encode();
    receive(packed(rec(111), err, rec(222)));
    assertThat(stamps).containsExactly(111L, 222L);
    assertThat(others).extracting(WireProtocol.Frame::kind).containsExactly(WireProtocol.Kind.ERROR);
  }

  @Test
  void openHeartbeatAndCloseFramesAreNotDeliveries() {
    receive("o");
    receive("h");
    receive("c[3000,\"Go away!\"]");
    assertThat(stamps).isEmpty();
    assertThat(others).extracting(WireProtocol.Frame::kind)
        .containsExactly(WireProtocol.Kind.OTHER, WireProtocol.Kind.OTHER, WireProtocol.Kind.ERROR);
  }
}
