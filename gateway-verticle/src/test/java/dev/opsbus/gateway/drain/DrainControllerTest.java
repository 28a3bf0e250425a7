package dev.opsbus.gateway.drain;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.http.HttpMethod;
import org.junit.jupiter.api.Test;

/** What a draining node refuses: whatever would start something here; reads and the running sockets' calls go on. */
class DrainControllerTest {

  @Test
  void newSocketsStartsAndTerminalsAreRefusedReadsAreNot() {
    assertThat(DrainController.startsSomething(HttpMethod.GET, "/eventbus/websocket")).isTrue();
    assertThat(DrainController.startsSomething(HttpMethod.GET, "/eventbus/info")).isTrue();
    assertThat(DrainController.startsSomething(HttpMethod.GET, "/ws/terminal/abc")).isTrue();
    assertThat(DrainController.startsSomething(HttpMethod.POST, "/api/hosts/demo/operations")).isTrue();
    assertThat(DrainController.startsSomething(HttpMethod.POST, "/api/hosts/demo/terminals")).isTrue();
    assertThat(DrainController.startsSomething(HttpMethod.GET, "/api/hosts/demo/operations")).isFalse();
    assertThat(DrainController.startsSomething(HttpMethod.GET, "/api/operations/x")).isFalse();
    assertThat(DrainController.startsSomething(HttpMethod.POST, "/api/operations/x/cancel")).isFalse();
    assertThat(DrainController.startsSomething(HttpMethod.GET, "/ready")).isFalse();
  }
}
