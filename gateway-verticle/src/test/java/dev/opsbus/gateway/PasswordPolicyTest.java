package dev.opsbus.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.gateway.auth.PasswordPolicy;
import dev.opsbus.testkit.Await;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The password policy (issue 11, point 9) on creating and changing users: each refusal names its rule. */
class PasswordPolicyTest {

  static GatewayHarness gw;
  static String admin;

  @BeforeAll
  static void start() {
    gw = GatewayHarness.start();
    admin = gw.adminToken();
  }

  @AfterAll
  static void stop() {
    gw.close();
  }

  private static HttpResponse<Buffer> create(String username, String password) {
    return Await.result(gw.http.post("/api/users").bearerTokenAuthentication(admin)
        .sendJsonObject(new JsonObject().put("username", username).put("password", password).put("roles", new JsonArray().add("viewer"))));
  }

  private static void assertRefusedFor(HttpResponse<Buffer> r, String rule) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(400);
    assertThat(r.bodyAsJsonObject().getString("error")).isEqualTo("invalid_request");
    assertThat(r.bodyAsJsonObject().getString("message")).contains("password").contains(rule);
  }

  @Test
  void shortCommonAndRepetitivePasswordsAreRefusedNamingTheRule() {
    assertRefusedFor(create("paula", "eleven-char"), "at least 12 characters");
    assertRefusedFor(create("paula", "Password1234"), "common passwords");
    assertRefusedFor(create("paula", "qwertyuiop123"), "common passwords");
    assertRefusedFor(create("paula", "1234567890123"), "common passwords");
    assertRefusedFor(create("paula", "abcabcabcabcabc"), "short pattern repeated");
    assertRefusedFor(create("paula", "zzzzzzzzzzzzzzzz"), "short pattern repeated");
    assertThat(create("paula", "paula-has-a-good-one").statusCode()).isEqualTo(201);
    assertThat(gw.login("paula", "paula-has-a-good-one").statusCode()).isEqualTo(200);
  }

  @Test
  void changingAPasswordFollowsTheSamePolicy() {
    assertThat(create("peter", "peter-first-password").statusCode()).isEqualTo(201);
    HttpResponse<Buffer> weak = Await.result(gw.http.put("/api/users/peter").bearerTokenAuthentication(admin)
        .sendJsonObject(new JsonObject().put("password", "Welcome12345")));
    assertRefusedFor(weak, "common passwords");
    assertThat(gw.login("peter", "peter-first-password").statusCode()).as("the old password still works").isEqualTo(200);
  }

  @Test
  void theBundledListHoldsThousandsOfEntries() {
    assertThat(PasswordPolicy.commonListSize()).isGreaterThan(3000);
    assertThat(PasswordPolicy.problem(GatewayHarness.ADMIN_PASSWORD)).as("the tests' own admin password").isNull();
  }
}
