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
 * The console's Recordings page in a real headless Chromium against a whole --demo node: an admin
 * types in a terminal, closes it, finds its recording in the list and plays it in asciinema-player,
 * which shows what was typed and what the shell answered. Screenshots go to target/screenshots.
 */
class ConsoleRecordingsIT {

  static final String ADMIN_PASSWORD = "recordings-admin-password";
  static final double WAIT_MS = ConsoleFixture.WAIT_MS;

  @TempDir
  static Path dataDir;

  static ConsoleFixture fx;
  static String base;
  static APIRequestContext adminApi;

  @BeforeAll
  static void start() throws Exception {
    fx = ConsoleFixture.start("recordings", dataDir, ADMIN_PASSWORD, b -> b.demo(true));
    base = fx.base;
    adminApi = fx.adminApi;
    APIResponse otto = adminApi.post("/api/users", RequestOptions.create().setData(Map.of("username", "otto", "password", "otto-password",
        "roles", List.of("operator"), "hosts", List.of("demo"))));
    assertThat(otto.status()).as(otto.text()).isIn(201, 409);
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

  Page loggedIn(String user, String password) {
    return fx.loggedIn(user, password);
  }

  void shot(Page page, String what) {
    fx.shot(page, what);
  }

  static JsonObject entry(String sid) {
    APIResponse r = adminApi.get("/api/recordings?sessionId=" + sid);
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    JsonArray all = new JsonObject(r.text()).getJsonArray("recordings");
    return all.isEmpty() ? null : all.getJsonObject(0);
  }

  @Test
  void anAdminPlaysTheRecordingOfATerminalAndSeesWhatWasTyped() {
    Page admin = loggedIn("admin", ADMIN_PASSWORD);
    admin.navigate(base + "/#/host/demo");
    admin.locator("#open-terminal").click();
    admin.waitForURL(Pattern.compile(".*#/terminal/[^/]+$"));
    String sid = admin.url().replaceAll(".*#/terminal/", "");
    assertThat(admin.locator("#term-state")).hasAttribute("data-state", "connected");
    admin.locator("#terminal").click();
    admin.keyboard().type("echo played-$((6*7))");
    admin.keyboard().press("Enter");
    admin.waitForFunction("() => window.opsbus.terminalText && window.opsbus.terminalText().split('\\n').some(x => x.trim() === 'played-42')",
        null, new Page.WaitForFunctionOptions().setTimeout(WAIT_MS));
    assertThat(adminApi.delete("/api/terminals/" + sid).status()).isEqualTo(200);
    Await.until("the recording of " + sid + " ended", Duration.ofMillis((long) WAIT_MS), () -> {
      JsonObject e = entry(sid);
      return e != null && e.getString("endedAt") != null;
    });

    admin.locator("#nav a[data-page=recordings]").click();
    Locator row = admin.locator("tr[data-session-id='" + sid + "']");
    assertThat(row).containsText("demo");
    assertThat(row.locator(".owner")).hasText("admin");
    assertThat(row).hasAttribute("data-truncated", "false");
    shot(admin, "list");

    row.locator("a[data-action=play]").click();
    admin.waitForURL(Pattern.compile(".*#/recordings/" + sid + "$"));
    Locator card = admin.locator("#recording-player");
    assertThat(card).hasAttribute("data-session-id", sid);
    assertThat(admin.locator("#player-title")).hasText("admin on demo");
    // the player replays the session: the command as typed, then the shell's answer
    Locator player = admin.locator("#player");
    assertThat(player).containsText("echo played-$((6*7))");
    assertThat(player).containsText("played-42");
    shot(admin, "playing");

    // the cast itself is there to download, as any node serves it
    APIResponse cast = adminApi.get("/api/recordings/" + sid + "/cast");
    assertThat(cast.status()).isEqualTo(200);
    assertThat(cast.headers().get("content-type")).startsWith("application/x-asciicast");
    assertThat(cast.text()).contains("played-42");
  }

  @Test
  void theRecordingsPageIsForAdminsOnly() {
    Page otto = loggedIn("otto", "otto-password");
    assertThat(otto.locator("#nav a[data-page=sessions]")).isVisible();
    assertThat(otto.locator("#nav a[data-page=recordings]")).isHidden();
    otto.navigate(base + "/#/recordings");
    assertThat(otto.locator(".toast.error")).containsText("admin");
  }
}
