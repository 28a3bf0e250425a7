package dev.opsbus.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class GatewayStatsTest {

  @Test
  void connectionsAreSockJsPlusWebSocket() {
    GatewayStats s = GatewayStats.fromReply(new JsonObject().put("sockJsConnections", 3)
        .put("webSocketConnections", 4).put("bridgeSubscriptions", 9).put("webSessions", 2));
    assertThat(s).isEqualTo(new GatewayStats(3, 4, 9, 2));
    assertThat(s.connections()).isEqualTo(7);
  }

  @Test
  void missingOrNegativeCountsReadAsZero() {
    assertThat(GatewayStats.fromReply(new JsonObject().put("webSessions", -2))).isEqualTo(GatewayStats.NONE);
  }

  @Test
  void aReplyThatIsNotCountsIsRefused() {
    assertThatThrownBy(() -> GatewayStats.fromReply("3")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> GatewayStats.fromReply(new JsonObject().put("sockJsConnections", "three")))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
