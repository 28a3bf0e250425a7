package dev.opsbus.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.gateway.servicekeys.ServiceSettings;
import dev.opsbus.testkit.Await;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The TCP bridge with TLS from PEM files: the Python example connects with --tls, trusting the test's own CA, and publishes. */
class TcpBridgeTlsTest {

  static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir
  Path tmp;

  @Test
  void thePythonExamplePublishesOverTls() throws Exception {
    Path cert = tmp.resolve("cert.pem");
    Path key = tmp.resolve("key.pem");
    Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(),
        "-out", cert.toString(), "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-days", "2")
        .redirectErrorStream(true).start();
    assertThat(openssl.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(openssl.exitValue()).as(new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();

    try (GatewayHarness gw = GatewayHarness.start(c -> c.withServices(ServiceSettings.defaults().withTcpBridgePort(0)
        .withTls(cert.toString(), key.toString())))) {
      HttpResponse<Buffer> made = Await.result(gw.http.post("/api/service-keys").bearerTokenAuthentication(gw.adminToken())
          .sendJsonObject(new JsonObject().put("name", "tls-feeder").put("grants", new JsonObject().put("publish", new JsonArray().add("status.server")))));
      assertThat(made.statusCode()).as(made.bodyAsString()).isEqualTo(201);
      String viewer = gw.user("tlswatch", List.of("viewer"), List.of());
      try (BridgeClient browser = gw.client(BridgeClient.Transport.RAW, viewer)) {
        browser.register("status.server");
        Await.until("subscribed", WAIT, () -> gw.gateway.bridge().subscriberCount("status.server") > 0);
        ProcessBuilder pb = new ProcessBuilder("python3", ServiceKeysTest.example("tcp_bridge_publish.py"), "127.0.0.1",
            String.valueOf(gw.gateway.tcpBridgePort()), "status.server", "{\"over\":\"tls\"}", "--tls").redirectErrorStream(true);
        pb.environment().put("OPSBUS_KEY", made.bodyAsJsonObject().getString("secret"));
        pb.environment().put("OPSBUS_CA", cert.toString());
        Process py = pb.start();
        assertThat(py.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(new String(py.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).contains("published to status.server");
        assertThat(browser.next(f -> "rec".equals(f.getString("type")), WAIT).getJsonObject("body").getString("over")).isEqualTo("tls");
      }
    }
  }
}
