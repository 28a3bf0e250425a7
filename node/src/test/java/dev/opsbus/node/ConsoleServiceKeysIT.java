package dev.opsbus.node;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.APIRequestContext;
import com.microsoft.playwright.APIResponse;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.RequestOptions;
import dev.opsbus.testkit.Await;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service keys section of the users page in a real headless Chromium against a gateway node,
 * doing what an admin does: makes a key with a host grant and a publish pattern, copies the
 * secret shown once, a script uses it as a bearer (allowed addresses answer 202 and show on another
 * console page, others 403), its last use shows after a reload, the admin revokes it and the same
 * secret is refused with 401 {@code invalid_token}. Refusals of the form are said once, inline.
 * Screenshots go to target/screenshots ({@code keys-*}).
 */
class ConsoleServiceKeysIT {

  static final String ADMIN_PASSWORD = "keys-admin-password";
  static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir
  static Path dataDir;

  static ConsoleFixture fx;

  @BeforeAll
  static void start() throws Exception {
    fx = ConsoleFixture.start("keys", dataDir, ADMIN_PASSWORD, b -> b.verticles(VerticleKind.GATEWAY));
    // two hosts to grant (or not): no SSH is needed, nothing connects to them in this test
    for (String id : List.of("lab1", "lab2")) {
      APIResponse r = fx.adminApi.post("/api/hosts", RequestOptions.create().setData(Map.of("id", id, "name", "Lab " + id,
          "address", "127.0.0.1", "port", 2222, "username", "lab", "password", "lab-password-123")));
      assertThat(r.status()).as(r.text()).isEqualTo(201);
    }
  }

  @AfterAll
  static void stop() {
    if (fx != null) {
      fx.close();
    }
  }

  @BeforeEach
  void name(TestInfo info) {
    fx.testName(info.getTestMethod().map(m -> m.getName()).orElse("test"));
  }

  @AfterEach
  void closePages() {
    fx.closePages();
  }

  static JsonObject listed(String name) {
    APIResponse r = fx.adminApi.get("/api/service-keys");
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return new JsonArray(r.text()).stream().map(JsonObject.class::cast).filter(k -> name.equals(k.getString("name"))).findFirst().orElse(null);
  }

  static APIResponse publish(APIRequestContext client, String address, Map<String, Object> body) {
    return client.post("/api/bus/publish", RequestOptions.create().setData(Map.of("address", address, "body", body)));
  }

  static Page keysPage() {
    Page page = fx.loggedIn("admin", ADMIN_PASSWORD);
    page.navigate(fx.base + "/#/users");
    page.locator("#to-service-keys").click();
    assertThat(page.locator("#service-keys")).isVisible();
    return page;
  }

  @Test
  void anAdminMakesAKeyItsSecretWorksOnceShownAndRevokingItLocksItOut() {
    Page page = keysPage();
    page.context().grantPermissions(List.of("clipboard-read", "clipboard-write"));

    page.locator("#add-key").click();
    Locator form = page.locator("#key-form");
    form.locator("input[name=name]").fill("status-feeder");
    assertThat(form.locator("input[name=role][value=service]")).isChecked();
    form.locator("input[name=host][value=lab1]").check();
    form.locator("input[name=publish]").fill("status.server");
    form.locator("select[name=expiry]").selectOption("days");
    form.locator("input[name=expiresInDays]").fill("30");
    form.locator("button[type=submit]").click();

    // the secret, once, with the warning and a copy button
    Locator secretCard = page.locator("#key-secret-card");
    assertThat(secretCard).isVisible();
    assertThat(secretCard.locator(".secret-notice")).containsText("it will not be shown again");
    String secret = page.locator("#key-secret").inputValue();
    assertThat(secret).startsWith("opsk_");
    page.locator("#copy-secret").click();
    assertThat(page.locator("#key-secret-copied")).hasText("Copied.");
    assertThat(page.evaluate("navigator.clipboard.readText()")).isEqualTo(secret);
    fx.shot(page, "secret-shown-once");

    // listed with its scope; the form sent the right types (server's view)
    Locator row = page.locator("#service-keys tr[data-key=status-feeder]");
    assertThat(row).hasAttribute("data-state", "live");
    assertThat(row.locator(".roles")).hasText("service");
    assertThat(row.locator(".grants")).hasText("lab1");
    assertThat(row.locator(".addresses .grant[data-direction=publish]")).hasText(Pattern.compile("publish\\s+status\\.server"));
    assertThat(row.locator(".created")).containsText("admin");
    assertThat(row.locator(".last-used")).hasText("never");
    assertThat(row.locator(".expires")).not().hasText("never");
    JsonObject stored = listed("status-feeder");
    assertThat(stored.getJsonArray("roles")).isEqualTo(new JsonArray().add("service"));
    assertThat(stored.getJsonArray("hosts")).isEqualTo(new JsonArray().add("lab1"));
    assertThat(stored.getJsonObject("grants").getJsonArray("publish")).isEqualTo(new JsonArray().add("status.server"));
    Instant expires = Instant.parse(stored.getString("expiresAt"));
    assertThat(expires).isBetween(Instant.now().plus(Duration.ofDays(29)), Instant.now().plus(Duration.ofDays(31)));
    assertThat(stored.encode()).doesNotContain(secret);

    // a script uses it: what its grants allow is published (and shows on a console), the rest is refused
    Page dashboard = fx.loggedIn("admin", ADMIN_PASSWORD);
    APIRequestContext script = fx.bearer(secret);
    APIResponse status = publish(script, "status.server", Map.of("status", "degraded", "message", "maintenance announced by status-feeder"));
    assertThat(status.status()).as(status.text()).isEqualTo(202);
    APIResponse health = publish(script, "metrics.host.lab1", Map.of("status", "degraded", "reachable", true, "latencyMs", 3,
        "message", "probed by status-feeder"));
    assertThat(health.status()).as("the host grant lets the key publish lab1's health: " + health.text()).isEqualTo(202);
    assertThat(dashboard.locator("#server-status")).containsText("maintenance announced by status-feeder");
    assertThat(dashboard.locator("li[data-host-id=lab1] .detail")).containsText("probed by status-feeder");
    for (String refused : List.of("metrics.host.lab2", "metrics.node")) {
      APIResponse r = publish(script, refused, Map.of("status", "up"));
      assertThat(r.status()).as(refused + ": " + r.text()).isEqualTo(403);
      assertThat(new JsonObject(r.text()).getString("error")).isEqualTo("access_denied");
    }
    fx.shot(dashboard, "published-with-the-key");

    // last use shows after a reload; the secret is nowhere in the page any more
    Await.until("last use recorded", WAIT, () -> listed("status-feeder").getValue("lastUsedAt") != null);
    page.reload();
    assertThat(row.locator(".last-used")).not().hasText("never");
    assertThat(row.locator(".last-used")).hasText(Pattern.compile("\\d"));
    assertThat(page.locator("#key-secret-card")).isHidden();
    assertThat(page.content()).doesNotContain(secret);
    fx.shot(page, "last-used");

    // revoke, confirmed
    row.locator("button[data-action=revoke]").click();
    assertThat(row).hasAttribute("data-state", "live");
    row.locator("button[data-action=confirm-revoke]").click();
    assertThat(row).hasAttribute("data-state", "revoked");
    assertThat(row.locator(".state .badge")).hasText("revoked");
    assertThat(row.locator("button[data-action=revoke]")).hasCount(0);
    fx.shot(page, "revoked");
    assertThat(listed("status-feeder").getBoolean("revoked")).isTrue();

    APIResponse after = publish(script, "status.server", Map.of("status", "up", "message", "after revocation"));
    assertThat(after.status()).as(after.text()).isEqualTo(401);
    assertThat(new JsonObject(after.text()).getString("error")).isEqualTo("invalid_token");
  }

  @Test
  void aRefusedKeyIsExplainedOnceInTheFormAndKeepIsNotRevoke() {
    APIResponse taken = fx.adminApi.post("/api/service-keys", RequestOptions.create().setData(Map.of("name", "taken-name")));
    assertThat(taken.status()).as(taken.text()).isEqualTo(201);
    Page page = keysPage();
    Locator row = page.locator("#service-keys tr[data-key=taken-name]");
    assertThat(row).hasAttribute("data-state", "live");
    assertThat(row.locator(".addresses")).hasText("none (roles only)");

    page.locator("#add-key").click();
    Locator form = page.locator("#key-form");
    Locator error = form.locator(".form-error");
    form.locator("input[name=name]").fill("bad-patterns");
    form.locator("input[name=publish]").fill("status..server");
    form.locator("button[type=submit]").click();
    assertThat(error).isVisible();
    assertThat(error).containsText("refused as invalid");
    assertThat(error).containsText("empty segment");
    // asked again: still said once, in the form, not as a toast besides
    form.locator("button[type=submit]").click();
    assertThat(error).hasCount(1);
    assertThat(error).containsText("empty segment");
    assertThat(page.locator("#toasts .toast.error")).hasCount(0);
    fx.shot(page, "invalid-pattern");

    form.locator("input[name=publish]").fill("metrics.custom.**");
    form.locator("input[name=name]").fill("taken-name");
    form.locator("button[type=submit]").click();
    assertThat(error).hasText(Pattern.compile("^Not created: It already exists\\."));
    assertThat(page.locator("#key-secret-card")).isHidden();
    assertThat(listed("bad-patterns")).isNull();

    // "keep" puts the row back as it was: nothing revoked
    row.locator("button[data-action=revoke]").click();
    row.locator("button[data-action=keep]").click();
    assertThat(row.locator("button[data-action=revoke]")).isVisible();
    assertThat(listed("taken-name").getBoolean("revoked")).isFalse();
  }
}
