package dev.opsbus.node;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.APIRequest;
import com.microsoft.playwright.APIRequestContext;
import com.microsoft.playwright.APIResponse;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import com.microsoft.playwright.options.RequestOptions;
import dev.opsbus.testkit.Await;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's Recordings page in a real headless Chromium against a whole --demo node: an admin
 * types in a terminal, closes it, finds its recording in the list and plays it in asciinema-player,
 * which shows what was typed and what the shell answered. Screenshots go to target/screenshots.
 */
class ConsoleRecordingsIT {

  static final String ADMIN_PASSWORD = "recordings-admin-password";
  static final double WAIT_MS = 20_000;

  @TempDir
  static Path dataDir;

  static OpsbusNode node;
  static String base;
  static Playwright playwright;
  static Browser browser;
  static APIRequestContext adminApi;
  static Path screenshots;

  final List<BrowserContext> contexts = new CopyOnWriteArrayList<>();
  final List<String> pageErrors = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    String chromium = System.getProperty("opsbus.chromium", "/usr/bin/chromium");
    if (!Files.isExecutable(Paths.get(chromium))) {
      throw new IllegalStateException("no Chromium at " + chromium + ": install Debian's chromium (.ci/run does) or set -Dopsbus.chromium");
    }
    screenshots = Paths.get(System.getProperty("opsbus.screenshots", "target/screenshots"));
    Files.createDirectories(screenshots);
    TestDatabase.reset();
    node = OpsbusNode.start(NodeSettings.builder().httpPort(0).httpHost("127.0.0.1").pgUrl(TestDatabase.url()).dataDir(dataDir)
        .demo(true).adminPassword(ADMIN_PASSWORD).build());
    base = "http://127.0.0.1:" + node.httpPort();
    playwright = Playwright.create(new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
    PlaywrightAssertions.setDefaultAssertionTimeout(WAIT_MS);
    browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
        .setExecutablePath(Paths.get(chromium)).setHeadless(true).setArgs(ConsoleBrowserIT.CHROMIUM_ARGS));
    adminApi = playwright.request().newContext(new APIRequest.NewContextOptions().setBaseURL(base)
        .setExtraHTTPHeaders(Map.of("Origin", base)));
    APIResponse login = adminApi.post("/api/login", RequestOptions.create().setData(Map.of("username", "admin", "password", ADMIN_PASSWORD)));
    assertThat(login.status()).as(login.text()).isEqualTo(200);
    APIResponse otto = adminApi.post("/api/users", RequestOptions.create().setData(Map.of("username", "otto", "password", "otto-password",
        "roles", List.of("operator"), "hosts", List.of("demo"))));
    assertThat(otto.status()).as(otto.text()).isIn(201, 409);
  }

  @AfterAll
  static void stop() {
    if (adminApi != null) {
      adminApi.dispose();
    }
    if (browser != null) {
      browser.close();
    }
    if (playwright != null) {
      playwright.close();
    }
    if (node != null) {
      node.close();
    }
  }

  @AfterEach
  void closeContexts() {
    contexts.forEach(BrowserContext::close);
    assertThat(pageErrors).as("uncaught errors in the console's pages").isEmpty();
  }

  Page loggedIn(String user, String password) {
    BrowserContext ctx = browser.newContext(new Browser.NewContextOptions().setViewportSize(1400, 900));
    ctx.setDefaultTimeout(WAIT_MS);
    contexts.add(ctx);
    Page page = ctx.newPage();
    page.onPageError(e -> pageErrors.add(String.valueOf(e)));
    page.onConsoleMessage(m -> {
      if ("error".equals(m.type()) && m.text().contains("Content Security Policy")) {
        pageErrors.add("CSP: " + m.text());
      }
    });
    page.navigate(base + "/");
    page.locator("#login-form input[name=username]").fill(user);
    page.locator("#login-form input[name=password]").fill(password);
    page.locator("#login-form button[type=submit]").click();
    assertThat(page.locator("#conn")).hasAttribute("data-state", "connected");
    return page;
  }

  void shot(Page page, String what) {
    page.screenshot(new Page.ScreenshotOptions().setPath(screenshots.resolve("recordings-" + what + ".png")).setFullPage(true));
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
