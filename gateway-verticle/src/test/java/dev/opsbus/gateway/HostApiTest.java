package dev.opsbus.gateway;

import dev.opsbus.testkit.TestSecrets;
import dev.opsbus.testkit.Await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.secret.CredentialCipher;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class HostApiTest {

  static GatewayHarness gw;
  static String admin;
  static String viewer;
  static final List<JsonObject> changes = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    gw = GatewayHarness.start();
    admin = gw.adminToken();
    viewer = gw.user("vera", List.of("viewer"), List.of("web-1"));
    Await.result(gw.vertx.eventBus().<JsonObject>consumer(Addresses.HOSTS_CHANGED, m -> changes.add(m.body())).completion());
  }

  @AfterAll
  static void stop() {
    gw.close();
  }

  static HttpResponse<Buffer> post(String path, String token, JsonObject body) {
    return Await.result(gw.http.post(path).bearerTokenAuthentication(token).sendJsonObject(body));
  }

  static HttpResponse<Buffer> get(String path, String token) {
    return Await.result(gw.http.get(path).bearerTokenAuthentication(token).send());
  }

  static JsonObject host(String id) {
    return new JsonObject().put("id", id).put("address", "10.0.0.1").put("port", 2222).put("username", "ops")
        .put("password", "s3cret-" + id).put("logs", new JsonArray().add(new JsonObject().put("stream", "syslog").put("path", "/var/log/syslog")));
  }

  @Test
  void adminAddsAHostWhoseSecretIsStoredEncryptedAndNeverShown() throws Exception {
    HttpResponse<Buffer> r = post("/api/hosts", admin, host("web-1"));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    assertThat(r.bodyAsString()).doesNotContain("s3cret-web-1");
    assertThat(r.bodyAsJsonObject().getString("authType")).isEqualTo("password");
    assertThat(r.bodyAsJsonObject().getJsonObject("hostKey").getString("pinned")).isNull();
    assertThat(get("/api/hosts/web-1", admin).bodyAsString()).doesNotContain("s3cret");
    assertThat(get("/api/hosts", admin).bodyAsString()).doesNotContain("s3cret");

    try (Connection c = TestDatabase.start().getPostgresDatabase().getConnection();
         ResultSet rs = c.createStatement().executeQuery(
             "SELECT h.secret_encrypted FROM hosts h WHERE h.id = 'web-1'")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).doesNotContain("s3cret").startsWith("v1:");
      // sealed with the gateway's credentials key, which is not in the database
      assertThat(new CredentialCipher(TestSecrets.CREDENTIALS_KEY).decrypt(rs.getString(1))).isEqualTo("s3cret-web-1");
    }
    Await.until("hosts.changed published", Duration.ofSeconds(10), () -> changes.stream().anyMatch(ch -> "web-1".equals(ch.getString("hostId"))));
  }

  @Test
  void usersSeeOnlyTheHostsTheyAreGrantedAndMayNotChangeThem() {
    post("/api/hosts", admin, host("web-2"));
    post("/api/hosts", admin, host("web-3"));
    JsonArray visible = get("/api/hosts", viewer).bodyAsJsonArray();
    assertThat(visible.stream().map(h -> ((JsonObject) h).getString("id")).toList()).doesNotContain("web-2", "web-3");
    HttpResponse<Buffer> other = get("/api/hosts/web-2", viewer);
    assertThat(other.statusCode()).isEqualTo(403);
    assertThat(other.bodyAsJsonObject().getString("error")).isEqualTo("access_denied");
    assertThat(post("/api/hosts", viewer, host("web-4")).statusCode()).isEqualTo(403);
  }

  @Test
  void badHostFieldsAreRefusedNamingTheField() {
    HttpResponse<Buffer> badId = post("/api/hosts", admin, host("Web 1!"));
    assertThat(badId.statusCode()).isEqualTo(400);
    assertThat(badId.bodyAsJsonObject().getString("message")).contains("'id'");
    HttpResponse<Buffer> noSecret = post("/api/hosts", admin, host("web-5").copy().put("password", (String) null));
    assertThat(noSecret.statusCode()).isEqualTo(400);
    assertThat(noSecret.bodyAsJsonObject().getString("message")).contains("password");
    HttpResponse<Buffer> badPort = post("/api/hosts", admin, host("web-6").put("port", 70000));
    assertThat(badPort.bodyAsJsonObject().getString("message")).contains("'port'");
    post("/api/hosts", admin, host("web-7"));
    assertThat(post("/api/hosts", admin, host("web-7")).statusCode()).isEqualTo(409);
  }

  @Test
  void pinningTakesOnlyAFingerprintAndMovingTheHostUnpinsIt() {
    post("/api/hosts", admin, host("db-1"));
    HttpResponse<Buffer> bad = post("/api/hosts/db-1/host-key", admin, new JsonObject().put("fingerprint", "MD5:aa:bb"));
    assertThat(bad.statusCode()).isEqualTo(400);
    String fp = "SHA256:" + "A".repeat(43);
    HttpResponse<Buffer> pinned = post("/api/hosts/db-1/host-key", admin, new JsonObject().put("fingerprint", fp));
    assertThat(pinned.bodyAsJsonObject().getJsonObject("hostKey").getString("pinned")).isEqualTo(fp);
    HttpResponse<Buffer> renamed = Await.result(gw.http.put("/api/hosts/db-1").bearerTokenAuthentication(admin)
        .sendJsonObject(new JsonObject().put("name", "Database")));
    assertThat(renamed.bodyAsJsonObject().getJsonObject("hostKey").getString("pinned")).isEqualTo(fp);
    HttpResponse<Buffer> moved = Await.result(gw.http.put("/api/hosts/db-1").bearerTokenAuthentication(admin)
        .sendJsonObject(new JsonObject().put("address", "10.0.0.9")));
    assertThat(moved.bodyAsJsonObject().getJsonObject("hostKey").getString("pinned")).isNull();
  }

  @Test
  void scanningAHostKeyWithoutARelaySaysTheRelayIsNotRunning() {
    post("/api/hosts", admin, host("lone"));
    HttpResponse<Buffer> r = get("/api/hosts/lone/host-key", admin);
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.bodyAsJsonObject().getString("error")).isEqualTo("no_handler");
    assertThat(r.bodyAsJsonObject().getString("message")).contains("SSH relay");
  }

  @Test
  void terminalCallsWithoutARelayAreRefusedClearly() {
    post("/api/hosts", admin, host("t-1"));
    HttpResponse<Buffer> r = post("/api/hosts/t-1/terminals", admin, new JsonObject());
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.bodyAsJsonObject().getString("message")).contains("SSH relay");
  }
}
