package dev.opsbus.gateway;

import dev.opsbus.testkit.Await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.testkit.TestSecrets;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LoginTest {

  static GatewayHarness gw;

  @BeforeAll
  static void start() {
    gw = GatewayHarness.start();
  }

  @AfterAll
  static void stop() {
    gw.close();
  }

  private HttpResponse<Buffer> me(String token) {
    return Await.result(gw.http.get("/api/me").bearerTokenAuthentication(token).send());
  }

  @Test
  void rightPasswordGivesTokenCookieAndUser() {
    HttpResponse<Buffer> r = gw.login("admin", GatewayHarness.ADMIN_PASSWORD);
    assertThat(r.statusCode()).isEqualTo(200);
    JsonObject body = r.bodyAsJsonObject();
    assertThat(body.getString("token")).isNotBlank();
    assertThat(body.getString("expiresAt")).isNotBlank();
    assertThat(body.getJsonObject("user").getString("username")).isEqualTo("admin");
    assertThat(body.getJsonObject("user").getJsonArray("roles").getList()).containsExactly("admin");
    String cookie = r.cookies().stream().filter(c -> c.startsWith("opsbus_token=")).findFirst().orElseThrow();
    assertThat(cookie).containsIgnoringCase("HttpOnly").contains("SameSite=Strict");

    // the token works as a bearer header and as the cookie
    HttpResponse<Buffer> meResponse = me(body.getString("token"));
    assertThat(meResponse.statusCode()).as(meResponse.bodyAsString()).isEqualTo(200);
    assertThat(meResponse.bodyAsJsonObject().getString("username")).isEqualTo("admin");
    HttpResponse<Buffer> viaCookie = Await.result(gw.http.get("/api/me")
        .putHeader("Cookie", "opsbus_token=" + body.getString("token")).send());
    assertThat(viaCookie.statusCode()).isEqualTo(200);
  }

  @Test
  void wrongPasswordIs401InvalidCredentials() {
    HttpResponse<Buffer> r = gw.login("admin", "not-the-password");
    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.bodyAsJsonObject().getString("error")).isEqualTo("invalid_credentials");
    HttpResponse<Buffer> unknown = gw.login("nobody", "whatever-pw");
    assertThat(unknown.statusCode()).isEqualTo(401);
    assertThat(unknown.bodyAsJsonObject().getString("error")).isEqualTo("invalid_credentials");
  }

  @Test
  void missingLoginFieldsAre400NamingTheField() {
    HttpResponse<Buffer> r = Await.result(gw.http.post("/api/login").sendJsonObject(new JsonObject().put("username", "admin")));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.bodyAsJsonObject().getString("error")).isEqualTo("invalid_request");
    assertThat(r.bodyAsJsonObject().getString("message")).contains("password");

    HttpResponse<Buffer> notJson = Await.result(gw.http.post("/api/login").putHeader("content-type", "application/json").sendBuffer(Buffer.buffer("{nope")));
    assertThat(notJson.statusCode()).isEqualTo(400);
    assertThat(notJson.bodyAsJsonObject().getString("error")).isEqualTo("invalid_json");
  }

  @Test
  void noTokenIs401NotLoggedIn() {
    HttpResponse<Buffer> r = Await.result(gw.http.get("/api/me").send());
    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.bodyAsJsonObject().getString("error")).isEqualTo("not_logged_in");
  }

  @Test
  void expiredTokenIsRefusedAsExpired() throws Exception {
    JWTAuth sameKey = JWTAuth.create(Vertx.vertx(), new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(storedKey())));
    long past = System.currentTimeMillis() / 1000 - 3600;
    String expired = sameKey.generateToken(new JsonObject().put("sub", "admin").put("roles", List.of("admin"))
            .put("hosts", List.of("*")).put("iss", "opsbus").put("iat", past - 60).put("exp", past),
        new JWTOptions().setAlgorithm("HS256").setNoTimestamp(true));
    HttpResponse<Buffer> r = me(expired);
    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.bodyAsJsonObject().getString("error")).isEqualTo("token_expired");
  }

  @Test
  void tamperedTokenIsRefused() {
    String token = gw.adminToken();
    String[] parts = token.split("\\.");
    String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8).replace("\"admin\"", "\"root\"");
    String tampered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
    HttpResponse<Buffer> r = me(tampered);
    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.bodyAsJsonObject().getString("error")).isEqualTo("invalid_token");
  }

  @Test
  void algNoneTokenIsRefused() {
    String token = gw.adminToken();
    String payload = token.split("\\.")[1];
    String header = Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
    HttpResponse<Buffer> r = me(header + "." + payload + ".");
    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.bodyAsJsonObject().getString("error")).isEqualTo("invalid_token");
  }

  @Test
  void tokenSignedWithAnotherKeyIsRefused() {
    JWTAuth otherKey = JWTAuth.create(Vertx.vertx(), new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer("a-completely-different-signing-key-0123456789")));
    String forged = otherKey.generateToken(new JsonObject().put("sub", "admin").put("roles", List.of("admin")).put("iss", "opsbus"),
        new JWTOptions().setAlgorithm("HS256").setExpiresInSeconds(600));
    assertThat(me(forged).bodyAsJsonObject().getString("error")).isEqualTo("invalid_token");
  }

  @Test
  void refreshGivesANewWorkingToken() {
    String token = gw.adminToken();
    HttpResponse<Buffer> r = Await.result(gw.http.post("/api/token/refresh").bearerTokenAuthentication(token).send());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(me(r.bodyAsJsonObject().getString("token")).statusCode()).isEqualTo(200);
  }

  @Test
  void hammeringWrongPasswordsGets429() {
    int status = 0;
    for (int i = 0; i < 15 && status != 429; i++) {
      status = gw.login("hammered", "wrong-" + i).statusCode();
    }
    assertThat(status).isEqualTo(429);
    HttpResponse<Buffer> r = gw.login("hammered", "wrong-again");
    assertThat(r.bodyAsJsonObject().getString("error")).isEqualTo("rate_limited");
    assertThat(r.getHeader("Retry-After")).isNotBlank();
  }

  /** The gateway's signing key: from its config (the launcher's key file), not from the database. */
  private static String storedKey() {
    return TestSecrets.JWT_KEY;
  }


  @Test
  void theOpenApiDocumentIsServedAndUnknownPathsAreJson404s() {
    HttpResponse<Buffer> doc = Await.result(gw.http.get("/api/openapi.yaml").send());
    assertThat(doc.statusCode()).isEqualTo(200);
    assertThat(doc.bodyAsString()).contains("/api/login").contains("openapi: 3");
    HttpResponse<Buffer> missing = Await.result(gw.http.get("/api/nothing-here").send());
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.bodyAsJsonObject().getString("error")).isEqualTo("not_found");
  }

  @Test
  void usersAreAdminOnlyAndDuplicatesAndBadFieldsAreRefused() {
    String viewer = gw.user("nina", List.of("viewer"), List.of("h1"));
    HttpResponse<Buffer> asViewer = Await.result(gw.http.get("/api/users").bearerTokenAuthentication(viewer).send());
    assertThat(asViewer.statusCode()).isEqualTo(403);
    assertThat(asViewer.bodyAsJsonObject().getString("error")).isEqualTo("access_denied");

    String admin = gw.adminToken();
    HttpResponse<Buffer> dup = Await.result(gw.http.post("/api/users").bearerTokenAuthentication(admin)
        .sendJsonObject(new JsonObject().put("username", "nina").put("password", "long-enough-pw-7").put("roles", List.of("viewer"))));
    assertThat(dup.statusCode()).isEqualTo(409);
    assertThat(dup.bodyAsJsonObject().getString("error")).isEqualTo("already_exists");

    HttpResponse<Buffer> badRole = Await.result(gw.http.post("/api/users").bearerTokenAuthentication(admin)
        .sendJsonObject(new JsonObject().put("username", "olga").put("password", "long-enough-pw-7").put("roles", List.of("root"))));
    assertThat(badRole.statusCode()).isEqualTo(400);
    assertThat(badRole.bodyAsJsonObject().getString("message")).contains("roles").contains("root");

    HttpResponse<Buffer> updated = Await.result(gw.http.put("/api/users/nina").bearerTokenAuthentication(admin)
        .sendJsonObject(new JsonObject().put("hosts", List.of("h1", "h2"))));
    assertThat(updated.statusCode()).isEqualTo(200);
    assertThat(updated.bodyAsJsonObject().getJsonArray("hosts").getList()).containsExactly("h1", "h2");
    assertThat(updated.bodyAsString()).doesNotContain("password");

    assertThat(Await.result(gw.http.delete("/api/users/nina").bearerTokenAuthentication(admin).send()).statusCode()).isEqualTo(204);
    assertThat(Await.result(gw.http.delete("/api/users/nina").bearerTokenAuthentication(admin).send()).statusCode()).isEqualTo(404);
  }
}
