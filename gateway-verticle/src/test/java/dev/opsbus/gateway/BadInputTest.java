package dev.opsbus.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.testkit.Await;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bad HTTP input (issue 11, point 8) is a 4xx with a code and a sentence, never a 500, and no
 * database text reaches the client. Every API answer carries no-store and nosniff (point 9).
 */
class BadInputTest {

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

  private static HttpResponse<Buffer> get(String uri) {
    return Await.result(gw.http.get(uri).bearerTokenAuthentication(admin).send());
  }

  private static HttpResponse<Buffer> post(String uri, JsonObject body) {
    return Await.result(gw.http.post(uri).bearerTokenAuthentication(admin).sendJsonObject(body));
  }

  private static void assertInvalid(HttpResponse<Buffer> r, String... mentions) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(400);
    JsonObject body = r.bodyAsJsonObject();
    assertThat(body.getString("error")).isIn("invalid_request", "invalid_json");
    assertThat(body.getString("message")).contains(mentions);
  }

  @Test
  void garbageQueryParametersAreRefusedNamingTheParameter() {
    assertInvalid(get("/api/operations?before=garbage"), "before");
    assertInvalid(get("/api/operations?limit=99999999999"), "limit");
    assertInvalid(get("/api/operations?limit=-1"), "limit");
    assertInvalid(get("/api/operations?status=exploded"), "status");
    assertInvalid(get("/api/operations?hostId=..%2F..%2Fetc"), "hostId");
    assertInvalid(get("/api/activity?since=yesterday"), "since");
    assertInvalid(get("/api/activity?sinceSeq=1e3"), "sinceSeq");
    assertInvalid(get("/api/operations?hostId=%zz"), "query string");
    // vertx-web would answer these in plain text before any route runs
    assertInvalid(get("/api/hosts/%zz"), "path");
    assertInvalid(get("/api/operations/abc%"), "path");
  }

  @Test
  void nulBytesAnywhereAreRefusedBeforeTheDatabaseSeesThem() {
    HttpResponse<Buffer> query = get("/api/operations?hostId=%00");
    assertInvalid(query, "hostId", "NUL");
    assertThat(query.bodyAsString()).doesNotContainIgnoringCase("postgres").doesNotContain("0x00").doesNotContain("byte sequence");
    assertInvalid(get("/api/hosts/web%001"), "path", "NUL");
    assertInvalid(post("/api/users", new JsonObject().put("username", "nul\u0000user").put("password", "a-strong-password-1")
        .put("roles", new JsonArray().add("viewer"))), "username", "NUL");
    assertInvalid(post("/api/hosts", new JsonObject().put("id", "web-1").put("name", "web\u0000one").put("address", "127.0.0.1")
        .put("username", "ops").put("password", "x")), "name", "NUL");
    assertInvalid(post("/api/schedules", new JsonObject().put("hostId", "h1").put("type", "ssh_test").put("cron", "* * * * *")
        .put("params", new JsonObject().put("deep", new JsonArray().add("a\u0000")))), "params.deep[0]", "NUL");
  }

  @Test
  void passwordsPastBcryptsLimitAreRefusedNamingIt() {
    String long73 = "x".repeat(73);
    assertInvalid(post("/api/users", new JsonObject().put("username", "longpw").put("password", long73)
        .put("roles", new JsonArray().add("viewer"))), "72 bytes");
    // 25 three-byte characters: 25 characters, 75 bytes
    assertInvalid(post("/api/users", new JsonObject().put("username", "longpw").put("password", "€".repeat(25))
        .put("roles", new JsonArray().add("viewer"))), "72 bytes");
    assertInvalid(Await.result(gw.http.post("/api/login").sendJsonObject(new JsonObject().put("username", "admin").put("password", long73))),
        "72 bytes");
  }

  @Test
  void typeConfusionInBodiesIsRefusedNamingTheField() {
    assertInvalid(post("/api/users", new JsonObject().put("username", 5).put("password", "a-strong-password-1")
        .put("roles", new JsonArray().add("viewer"))), "username");
    assertInvalid(post("/api/users", new JsonObject().put("username", "typed").put("password", "a-strong-password-1")
        .put("roles", new JsonArray().add(1))), "roles");
    assertInvalid(post("/api/users", new JsonObject().put("username", "typed").put("password", "a-strong-password-1")
        .put("roles", new JsonArray().add("viewer")).put("hosts", new JsonArray().add(7))), "hosts");
    assertInvalid(post("/api/users", new JsonObject().put("username", "typed").put("password", "a-strong-password-1")
        .put("roles", "viewer")), "roles");
    assertInvalid(post("/api/hosts/h1/operations", new JsonObject().put("type", "ssh_test").put("params", "x")), "params");
    assertInvalid(post("/api/schedules", new JsonObject().put("hostId", 1).put("type", "ssh_test").put("cron", "* * * * *")), "hostId");
    assertInvalid(post("/api/schedules", new JsonObject().put("hostId", "h1").put("type", "ssh_test").put("cron", List.of("*"))), "cron");
    HttpResponse<Buffer> array = Await.result(gw.http.post("/api/users").bearerTokenAuthentication(admin).sendJson(new JsonArray().add(1)));
    assertThat(array.statusCode()).isEqualTo(400);
    assertThat(array.bodyAsJsonObject().getString("error")).isEqualTo("invalid_json");
  }

  @Test
  void anInternalFailureOfAServiceReachesTheClientWithoutItsText() {
    MessageConsumer<JsonObject> failing = gw.vertx.eventBus().consumer(Addresses.OPS_GET,
        m -> m.fail(ErrorCode.INTERNAL_ERROR.failureCode(), "ERROR: invalid byte sequence for encoding \"UTF8\": 0x00 (SQLSTATE 22021)"));
    Await.result(failing.completion());
    try {
      HttpResponse<Buffer> r = get("/api/operations/7f8a2c44-3b9e-4a59-9a53-0d6a4b1c2e11");
      assertThat(r.statusCode()).isEqualTo(500);
      assertThat(r.bodyAsJsonObject().getString("error")).isEqualTo("internal_error");
      assertThat(r.bodyAsJsonObject().getString("message")).contains("error id").doesNotContain("SQLSTATE").doesNotContain("UTF8");
    } finally {
      Await.result(failing.unregister());
    }
  }

  @Test
  void everyApiAnswerIsNoStoreAndNosniff() {
    List<HttpResponse<Buffer>> answers = List.of(
        gw.login("admin", GatewayHarness.ADMIN_PASSWORD),
        gw.login("admin", "not-the-password"),
        get("/api/me"),
        get("/api/nothing-here"),
        get("/api/operations?before=garbage"),
        Await.result(gw.http.get("/api/me").send()));
    for (HttpResponse<Buffer> r : answers) {
      assertThat(r.getHeader("Cache-Control")).as("status %d", r.statusCode()).isEqualTo("no-store");
      assertThat(r.getHeader("X-Content-Type-Options")).as("status %d", r.statusCode()).isEqualTo("nosniff");
    }
  }
}
