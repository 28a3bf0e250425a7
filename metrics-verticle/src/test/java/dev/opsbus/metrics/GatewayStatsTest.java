package dev.opsbus.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opsbus.model.wire.GatewayStatsReport;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** How the metrics verticle reads its gateway's {@link GatewayStatsReport}, sense and nonsense alike. */
class GatewayStatsTest {

  @Test
  void connectionsAreSockJsPlusWebSocketPlusTcpBridge() {
    GatewayStatsReport s = MetricsVerticle.readGatewayStats(new GatewayStatsReport(3, 4, 9, 5, 2, 100, 1, 2).toJson());
    assertThat(s).isEqualTo(new GatewayStatsReport(3, 4, 9, 5, 2, 100, 1, 2));
    assertThat(s.connections()).isEqualTo(9);
    assertThat(MetricsVerticle.readGatewayStats(new JsonObject().put("tcpConnections", -1)).tcpConnections()).isZero();
  }

  @Test
  void missingOrNegativeCountsReadAsZero() {
    assertThat(MetricsVerticle.readGatewayStats(new JsonObject().put("webSessions", -2))).isEqualTo(GatewayStatsReport.NONE);
  }

  @Test
  void aReplyThatIsNotCountsIsRefused() {
    assertThatThrownBy(() -> MetricsVerticle.readGatewayStats("3")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> MetricsVerticle.readGatewayStats(null)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> MetricsVerticle.readGatewayStats(new JsonObject().put("sockJsConnections", "three")))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
