package dev.opsbus.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.testkit.Await;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** An admin disables a user (PUT /api/users/{name} {"disabled": true}): no login, no token refresh, until enabled again. */
class UserDisableTest {

  static GatewayHarness gw;

  @BeforeAll
  static void start() {
    gw = GatewayHarness.start();
  }

  @AfterAll
  static void stop() {
    gw.close();
  }

  private HttpResponse<Buffer> put(String user, JsonObject body, String token) {
    return Await.result(gw.http.put("/api/users/" + user).bearerTokenAuthentication(token).sendJsonObject(body));
  }

  @Test
  void aDisabledUserCannotLogInOrRefreshUntilEnabled() {
    String token = gw.user("dora", List.of("operator"), List.of("h1"));
    String admin = gw.adminToken();

    HttpResponse<Buffer> disabled = put("dora", new JsonObject().put("disabled", true), admin);
    assertThat(disabled.statusCode()).as(disabled.bodyAsString()).isEqualTo(200);
    assertThat(disabled.bodyAsJsonObject().getBoolean("disabled")).isTrue();
    // roles and grants are kept
    assertThat(disabled.bodyAsJsonObject().getJsonArray("hosts").getList()).containsExactly("h1");

    HttpResponse<Buffer> login = gw.login("dora", "dora-password");
    assertThat(login.statusCode()).isEqualTo(403);
    assertThat(login.bodyAsJsonObject().getString("error")).isEqualTo("access_denied");
    assertThat(login.bodyAsJsonObject().getString("message")).contains("disabled");
    HttpResponse<Buffer> refresh = Await.result(gw.http.post("/api/token/refresh").bearerTokenAuthentication(token).sendJsonObject(new JsonObject()));
    // disabling revokes every token she holds: the one from before is refused at once, not at its expiry
    assertThat(refresh.statusCode()).isEqualTo(401);
    assertThat(refresh.bodyAsJsonObject().getString("error")).isEqualTo("token_revoked");

    HttpResponse<Buffer> enabled = put("dora", new JsonObject().put("disabled", false), admin);
    assertThat(enabled.bodyAsJsonObject().getBoolean("disabled")).isFalse();
    assertThat(gw.login("dora", "dora-password").statusCode()).isEqualTo(200);
  }

  @Test
  void anAdminCannotDisableItselfAndDisabledMustBeABoolean() {
    String admin = gw.adminToken();
    HttpResponse<Buffer> self = put("admin", new JsonObject().put("disabled", true), admin);
    assertThat(self.statusCode()).isEqualTo(400);
    assertThat(self.bodyAsJsonObject().getString("message")).contains("cannot disable the user you are logged in as");
    HttpResponse<Buffer> wrongType = put("admin", new JsonObject().put("disabled", "yes"), admin);
    assertThat(wrongType.statusCode()).isEqualTo(400);
    assertThat(wrongType.bodyAsJsonObject().getString("error")).isEqualTo("invalid_request");
    assertThat(gw.login("admin", GatewayHarness.ADMIN_PASSWORD).statusCode()).isEqualTo(200);
  }
}
