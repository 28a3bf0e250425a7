package dev.opsbus.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.testkit.Await;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Same-site cross-port CSRF (issue 11, point 5): a page on another port of the node's host posts a
 * form that rides the admin's cookie. It must be refused; the console (its own origin, JSON) and
 * scripts (Bearer token, no Origin) keep working.
 */
class CsrfTest {

  static GatewayHarness gw;
  static String cookieToken;

  @BeforeAll
  static void start() {
    gw = GatewayHarness.start();
    cookieToken = gw.adminToken();
  }

  @AfterAll
  static void stop() {
    gw.close();
  }

  private static JsonObject newAdmin(String name) {
    return new JsonObject().put("username", name).put("password", name + "-strong-pw-1").put("roles", new JsonArray().add("admin"));
  }

  private static HttpRequest<Buffer> withCookie(HttpMethod method, String path) {
    return gw.http.request(method, path).putHeader("Cookie", "opsbus_token=" + cookieToken);
  }

  private static boolean userExists(String name) {
    JsonArray users = Await.result(gw.http.get("/api/users").bearerTokenAuthentication(gw.adminToken()).send()).bodyAsJsonArray();
    return users.stream().map(JsonObject.class::cast).anyMatch(u -> name.equals(u.getString("username")));
  }

  private static void assertRefused(HttpResponse<Buffer> r, int status, String code) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(status);
    assertThat(r.bodyAsJsonObject().getString("error")).isEqualTo(code);
    assertThat(r.bodyAsJsonObject().getString("message")).isNotBlank();
  }

  @Test
  void aFormPostFromAnotherPortOfTheSameHostCannotCreateAnAdmin() {
    // what <form enctype="text/plain" action="http://127.0.0.1:<node>/api/users"> on http://127.0.0.1:9999 sends
    for (String foreign : List.of("http://127.0.0.1:9999", "http://localhost:" + (gw.port() + 1), "null")) {
      HttpResponse<Buffer> r = Await.result(withCookie(HttpMethod.POST, "/api/users")
          .putHeader("Origin", foreign).putHeader("Content-Type", "text/plain")
          .sendBuffer(Buffer.buffer(newAdmin("mallory").encode())));
      assertRefused(r, 403, "origin_not_allowed");
    }
    assertThat(userExists("mallory")).isFalse();
  }

  @Test
  void aBrowserThatSaysSameSiteButNotSameOriginIsRefused() {
    HttpResponse<Buffer> r = Await.result(withCookie(HttpMethod.POST, "/api/users")
        .putHeader("Sec-Fetch-Site", "same-site").sendJsonObject(newAdmin("sally")));
    assertRefused(r, 403, "origin_not_allowed");
    assertThat(userExists("sally")).isFalse();
  }

  @Test
  void theCookieWithoutAnyOriginIsRefusedAsAnOldBrowsersFormPostWouldBe() {
    HttpResponse<Buffer> r = Await.result(withCookie(HttpMethod.POST, "/api/users").sendJsonObject(newAdmin("oscar")));
    assertRefused(r, 403, "origin_not_allowed");
    assertThat(r.bodyAsJsonObject().getString("message")).contains("Origin").contains("Bearer");
    HttpResponse<Buffer> delete = Await.result(withCookie(HttpMethod.DELETE, "/api/users/nobody").send());
    assertRefused(delete, 403, "origin_not_allowed");
  }

  @Test
  void theNodesOwnOriginStillNeedsAJsonBody() {
    String own = "http://localhost:" + gw.port();
    for (String type : List.of("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x")) {
      HttpResponse<Buffer> r = Await.result(withCookie(HttpMethod.POST, "/api/users").putHeader("Origin", own)
          .putHeader("Content-Type", type).sendBuffer(Buffer.buffer(newAdmin("tex").encode())));
      assertRefused(r, 415, "unsupported_media_type");
    }
    HttpResponse<Buffer> login = Await.result(gw.http.post("/api/login").putHeader("Content-Type", "text/plain")
        .sendBuffer(Buffer.buffer(new JsonObject().put("username", "admin").put("password", GatewayHarness.ADMIN_PASSWORD).encode())));
    assertRefused(login, 415, "unsupported_media_type");
    assertThat(userExists("tex")).isFalse();
  }

  @Test
  void theConsoleWithItsOwnOriginAndJsonWorks() {
    String own = "http://localhost:" + gw.port();
    HttpResponse<Buffer> created = Await.result(withCookie(HttpMethod.POST, "/api/users").putHeader("Origin", own)
        .putHeader("Content-Type", "application/json; charset=utf-8").sendBuffer(Buffer.buffer(newAdmin("carol").encode())));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    // what Chromium sends for the console's fetch: Origin and Sec-Fetch-Site together
    HttpResponse<Buffer> deleted = Await.result(withCookie(HttpMethod.DELETE, "/api/users/carol").putHeader("Origin", own)
        .putHeader("Sec-Fetch-Site", "same-origin").send());
    assertThat(deleted.statusCode()).as(deleted.bodyAsString()).isEqualTo(204);
    HttpResponse<Buffer> listed = Await.result(withCookie(HttpMethod.POST, "/api/users").putHeader("Origin", "http://console.example")
        .sendJsonObject(newAdmin("listed")));
    assertThat(listed.statusCode()).as("an origin on gateway.allowedOrigins: " + listed.bodyAsString()).isEqualTo(201);
  }

  @Test
  void scriptsWithABearerTokenAndNoOriginWork() {
    HttpResponse<Buffer> login = Await.result(gw.http.post("/api/login")
        .sendJsonObject(new JsonObject().put("username", "admin").put("password", GatewayHarness.ADMIN_PASSWORD)));
    assertThat(login.statusCode()).as("curl login: JSON, no Origin, no cookie").isEqualTo(200);
    String token = login.bodyAsJsonObject().getString("token");
    HttpResponse<Buffer> created = Await.result(gw.http.post("/api/users").bearerTokenAuthentication(token).sendJsonObject(newAdmin("scripted")));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    HttpResponse<Buffer> deleted = Await.result(gw.http.delete("/api/users/scripted").bearerTokenAuthentication(token).send());
    assertThat(deleted.statusCode()).as("a DELETE without a body needs no Content-Type").isEqualTo(204);
    HttpResponse<Buffer> both = Await.result(withCookie(HttpMethod.POST, "/api/token/refresh").bearerTokenAuthentication(token).send());
    assertThat(both.statusCode()).as("a script that kept the cookie but sends Bearer: " + both.bodyAsString()).isEqualTo(200);
    HttpResponse<Buffer> form = Await.result(gw.http.post("/api/users").bearerTokenAuthentication(token)
        .putHeader("Content-Type", "application/x-www-form-urlencoded").sendBuffer(Buffer.buffer("username=x&password=y")));
    assertRefused(form, 415, "unsupported_media_type");
  }

  @Test
  void readingNeedsNoOrigin() {
    HttpResponse<Buffer> me = Await.result(withCookie(HttpMethod.GET, "/api/me").send());
    assertThat(me.statusCode()).isEqualTo(200);
  }
}
