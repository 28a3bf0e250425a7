package dev.opsbus.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.gateway.http.ConnectionLimits;
import dev.opsbus.testkit.Await;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, point 9: {@code /metrics} was open to anyone. On the HTTP port it now answers the
 * configured scraper token, admins, and clients on the node's own machine; a separate listener
 * ({@code gateway.metricsPort}) serves it alone, without a token.
 */
class MetricsAccessTest {

  static final String SCRAPER = "scrape-0123456789-abcdef";

  static GatewayHarness gw;
  static String admin;
  static String viewer;

  @BeforeAll
  static void start() {
    ConnectionLimits d = ConnectionLimits.defaults();
    gw = GatewayHarness.start(c -> c.withConnections(new ConnectionLimits(d.headerTimeout(), d.httpIdleTimeout(), d.maxHttpConnections(),
        d.maxHttpConnectionsPerAddress(), d.socketAuthTimeout(), d.maxSockets(), d.maxAnonymousSockets(), d.maxSocketsPerAddress(),
        d.maxTerminalSocketsPerUser(), d.refusalAuditWindow(), SCRAPER, freePort(), "127.0.0.1")));
    admin = gw.adminToken();
    viewer = gw.user("vic", List.of("viewer"), List.of("h1"));
  }

  static int freePort() {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @AfterAll
  static void stop() {
    gw.close();
  }

  /** As a request from elsewhere arrives through a proxy the node does not trust: not local. */
  static HttpRequest<Buffer> remote() {
    return gw.http.get("/metrics").putHeader("X-Forwarded-For", "203.0.113.9");
  }

  static HttpResponse<Buffer> send(HttpRequest<Buffer> r) {
    return Await.result(r.send());
  }

  @Test
  void strangersAreRefusedAndTheScraperAdminsAndLocalClientsAnswered() {
    HttpResponse<Buffer> stranger = send(remote());
    assertThat(stranger.statusCode()).isEqualTo(401);
    assertThat(stranger.bodyAsJsonObject().getString("error")).isEqualTo("not_logged_in");
    assertThat(stranger.getHeader("Cache-Control")).isEqualTo("no-store");
    assertThat(send(remote().bearerTokenAuthentication("scrape-wrong-guess-000")).statusCode()).isEqualTo(401);
    HttpResponse<Buffer> notAdmin = send(remote().bearerTokenAuthentication(viewer));
    assertThat(notAdmin.statusCode()).isEqualTo(403);
    assertThat(notAdmin.bodyAsJsonObject().getString("error")).isEqualTo("access_denied");

    HttpResponse<Buffer> scraper = send(remote().bearerTokenAuthentication(SCRAPER));
    assertThat(scraper.statusCode()).isEqualTo(200);
    assertThat(scraper.bodyAsString()).contains("opsbus_bridge_connections");
    assertThat(send(remote().bearerTokenAuthentication(admin)).statusCode()).isEqualTo(200);
    assertThat(send(remote().putHeader("Cookie", "opsbus_token=" + admin)).statusCode()).isEqualTo(200);
    // from this machine, without forwarding headers: a local Prometheus or an operator's curl
    assertThat(send(gw.http.get("/metrics")).statusCode()).isEqualTo(200);
  }

  @Test
  void theMetricsListenerServesMetricsAndNothingElse() {
    WebClient metricsOnly = WebClient.create(gw.vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(gw.gateway.metricsPort()));
    HttpResponse<Buffer> m = Await.result(metricsOnly.get("/metrics").putHeader("X-Forwarded-For", "203.0.113.9").send());
    assertThat(m.statusCode()).isEqualTo(200);
    assertThat(m.bodyAsString()).contains("opsbus_bridge_connections");
    assertThat(Await.result(metricsOnly.get("/api/me").send()).statusCode()).isEqualTo(404);
    assertThat(Await.result(metricsOnly.get("/health").send()).statusCode()).isEqualTo(404);
  }
}
