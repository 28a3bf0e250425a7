package dev.opsbus.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.testkit.Await;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code gateway.trustedProxies}: behind a trusted proxy the throttle keys on the client the proxy
 * names, the cookie turns Secure when the proxy says https, and the origin check uses the scheme
 * and host the client asked for. The same headers from any other peer change nothing.
 */
class TrustedProxyTest {

  static final String PROXY = "127.0.0.31";
  static final String NOT_A_PROXY = "127.0.0.32";

  static GatewayHarness gw;
  static WebClient viaProxy;
  static WebClient direct;

  @BeforeAll
  static void start() {
    gw = GatewayHarness.start(c -> new GatewayConfig(c.nodeId(), c.version(), c.host(), c.port(), c.db(), c.dbPoolSize(), c.rules(),
        c.allowedOrigins(), c.tokenTtl(), c.secureCookie(), c.initialAdminPassword(), c.bridge(), List.of(PROXY + "/32", "10.0.0.0/8")));
    viaProxy = SourceClients.from(gw, PROXY);
    direct = SourceClients.from(gw, NOT_A_PROXY);
  }

  @AfterAll
  static void stop() {
    gw.close();
  }

  private static HttpResponse<Buffer> login(HttpRequest<Buffer> req, String password) {
    return Await.result(req.sendJsonObject(new JsonObject().put("username", "admin").put("password", password)));
  }

  @Test
  void theThrottleKeysOnTheClientTheProxyNames() {
    for (int i = 0; i < 12; i++) {
      login(viaProxy.post("/api/login").putHeader("X-Forwarded-For", "203.0.113.7, 10.1.2.3"), "wrong-" + i);
    }
    assertThat(login(viaProxy.post("/api/login").putHeader("X-Forwarded-For", "203.0.113.7"), GatewayHarness.ADMIN_PASSWORD).statusCode())
        .as("203.0.113.7 guessed and is locked out (10.1.2.3 is a trusted hop and skipped)").isEqualTo(429);
    assertThat(login(viaProxy.post("/api/login").putHeader("Forwarded", "for=\"198.51.100.9:4711\";proto=https"),
        GatewayHarness.ADMIN_PASSWORD).statusCode()).as("another client behind the same proxy").isEqualTo(200);
    assertThat(login(viaProxy.post("/api/login").putHeader("X-Forwarded-For", "198.51.100.10"), GatewayHarness.ADMIN_PASSWORD).statusCode())
        .isEqualTo(200);
  }

  @Test
  void forwardingHeadersFromAnUntrustedPeerAreIgnored() {
    for (int i = 0; i < 12; i++) {
      // every guess claims another client: the peer address is what counts
      login(direct.post("/api/login").putHeader("X-Forwarded-For", "192.0.2." + i), "wrong-" + i);
    }
    assertThat(login(direct.post("/api/login").putHeader("X-Forwarded-For", "192.0.2.200"), GatewayHarness.ADMIN_PASSWORD).statusCode())
        .isEqualTo(429);
  }

  @Test
  void theCookieIsSecureWhenTheTrustedProxySaysHttps() {
    HttpResponse<Buffer> tls = login(viaProxy.post("/api/login").putHeader("X-Forwarded-Proto", "https").putHeader("X-Forwarded-For", "198.51.100.20"),
        GatewayHarness.ADMIN_PASSWORD);
    assertThat(tls.statusCode()).isEqualTo(200);
    assertThat(cookie(tls)).contains("; Secure");
    HttpResponse<Buffer> plain = login(viaProxy.post("/api/login").putHeader("X-Forwarded-For", "198.51.100.21"), GatewayHarness.ADMIN_PASSWORD);
    assertThat(cookie(plain)).doesNotContain("; Secure");
    WebClient other = SourceClients.from(gw, "127.0.0.33");
    HttpResponse<Buffer> forged = login(other.post("/api/login").putHeader("X-Forwarded-Proto", "https"), GatewayHarness.ADMIN_PASSWORD);
    assertThat(forged.statusCode()).isEqualTo(200);
    assertThat(cookie(forged)).as("X-Forwarded-Proto from a peer that is no proxy").doesNotContain("; Secure");
  }

  @Test
  void theOriginCheckUsesTheSchemeAndHostTheClientAskedTheProxyFor() {
    String token = gw.adminToken();
    JsonObject user = new JsonObject().put("username", "proxied").put("password", "proxied-strong-pw").put("roles", new JsonArray().add("viewer"));
    HttpResponse<Buffer> r = Await.result(viaProxy.post("/api/users").putHeader("Cookie", "opsbus_token=" + token)
        .putHeader("Origin", "https://ops.example.com").putHeader("X-Forwarded-Proto", "https")
        .putHeader("X-Forwarded-Host", "ops.example.com").sendJsonObject(user));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    HttpResponse<Buffer> downgraded = Await.result(viaProxy.post("/api/users").putHeader("Cookie", "opsbus_token=" + token)
        .putHeader("Origin", "http://ops.example.com").putHeader("X-Forwarded-Proto", "https")
        .putHeader("X-Forwarded-Host", "ops.example.com").sendJsonObject(user.copy().put("username", "downgraded")));
    assertThat(downgraded.statusCode()).as("a plain-http page of the same host").isEqualTo(403);
    HttpResponse<Buffer> notProxied = Await.result(direct.post("/api/users").putHeader("Cookie", "opsbus_token=" + token)
        .putHeader("Origin", "https://ops.example.com").putHeader("X-Forwarded-Proto", "https")
        .putHeader("X-Forwarded-Host", "ops.example.com").sendJsonObject(user.copy().put("username", "spoofed")));
    assertThat(notProxied.statusCode()).as("forwarding headers from a peer that is no proxy").isEqualTo(403);
  }

  private static String cookie(HttpResponse<Buffer> r) {
    return r.cookies().stream().filter(c -> c.startsWith("opsbus_token=")).findFirst().orElseThrow();
  }
}
