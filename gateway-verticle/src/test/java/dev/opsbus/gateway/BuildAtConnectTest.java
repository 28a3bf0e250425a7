package dev.opsbus.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.BuildInfo;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A subscriber of status.version is told the server's build at once (the replay, from status.build), on every connect. */
class BuildAtConnectTest {

  @Test
  void subscribingToStatusVersionTellsTheBuildOfTheServer() {
    try (GatewayHarness gw = GatewayHarness.start()) {
      String viewer = gw.user("bea", List.of("viewer"), List.of());
      for (int connect = 0; connect < 2; connect++) {
        try (BridgeClient c = gw.client(BridgeClient.Transport.RAW, viewer)) {
          c.register(Addresses.STATUS_VERSION);
          JsonObject frame = c.next(Duration.ofSeconds(15));
          assertThat(frame.getString("address")).isEqualTo(Addresses.STATUS_VERSION);
          JsonObject body = frame.getJsonObject("body");
          assertThat(body.getString("type")).isEqualTo("build");
          assertThat(body.getString("version")).isEqualTo(BuildInfo.version());
          assertThat(body.getString("nodeId")).isEqualTo(gw.nodeId);
        }
      }
    }
  }
}
