package dev.opsbus.node;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.APIRequest;
import com.microsoft.playwright.APIRequestContext;
import com.microsoft.playwright.APIResponse;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import com.microsoft.playwright.options.RequestOptions;
import dev.opsbus.gateway.servicekeys.ServiceSettings;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15 in a real browser (Chromium): what the stdlib Python example publishes over the TCP
 * bridge with a service key shows on the console, and a notification sent while its user was
 * offline is counted on the bell after login and listed under it.
 */
class ServicesConsoleIT {

  static final String ADMIN_PASSWORD = "services-admin-password";
  static final double WAIT_MS = 20_000;

  @TempDir
  static Path dataDir;

  static OpsbusNode node;
  static String base;
  static Playwright playwright;
  static Browser browser;
  static APIRequestContext adminApi;
  final List<String> pageErrors = new java.util.concurrent.CopyOnWriteArrayList<>();

  @org.junit.jupiter.api.AfterEach
  void noPageErrors() {
    assertThat(pageErrors).as("uncaught errors in the console's pages").isEmpty();
  }

  @BeforeAll
  static void start() {
    String chromium = System.getProperty("opsbus.chromium", "/usr/bin/chromium");
    if (!Files.isExecutable(Paths.get(chromium))) {
      throw new IllegalStateException("no Chromium at " + chromium + ": install Debian's chromium (.ci/run does) or set -Dopsbus.chromium");
    }
    TestDatabase.reset();
    NodeSettings.Builder b = NodeSettings.builder().httpPort(0).httpHost("127.0.0.1").pgUrl(TestDatabase.url()).dataDir(dataDir)
        .verticles(VerticleKind.GATEWAY).adminPassword(ADMIN_PASSWORD);
    b.gateway(b.gateway().withServices(ServiceSettings.defaults().withTcpBridgePort(0)));
    node = OpsbusNode.start(b.build());
    base = "http://127.0.0.1:" + node.httpPort();
    playwright = Playwright.create(new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
    PlaywrightAssertions.setDefaultAssertionTimeout(WAIT_MS);
    browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
        .setExecutablePath(Paths.get(chromium)).setHeadless(true).setArgs(ConsoleBrowserIT.CHROMIUM_ARGS));
    adminApi = playwright.request().newContext(new APIRequest.NewContextOptions().setBaseURL(base)
        .setExtraHTTPHeaders(Map.of("Origin", base)));
    APIResponse login = adminApi.post("/api/login", RequestOptions.create().setData(Map.of("username", "admin", "password", ADMIN_PASSWORD)));
    assertThat(login.status()).as(login.text()).isEqualTo(200);
    for (String u : List.of("olga", "piet")) {
      APIResponse r = adminApi.post("/api/users", RequestOptions.create().setData(Map.of("username", u, "password", u + "-password",
          "roles", List.of("viewer"), "hosts", List.of())));
      assertThat(r.status()).as(r.text()).isEqualTo(201);
    }
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

  Page loggedIn(String user) {
    BrowserContext ctx = browser.newContext();
    ctx.setDefaultTimeout(WAIT_MS);
    Page page = ctx.newPage();
    page.onPageError(e -> pageErrors.add(e));
    page.onConsoleMessage(m -> System.out.println("console of " + user + ": " + m.text()));
    page.navigate(base + "/");
    page.locator("#login-form input[name=username]").fill(user);
    page.locator("#login-form input[name=password]").fill(user + "-password");
    page.locator("#login-form button[type=submit]").click();
    assertThat(page.locator("#conn")).hasAttribute("data-state", "connected");
    return page;
  }

  @Test
  void whatThePythonExamplePublishesOverTheTcpBridgeShowsInTheBrowser() throws Exception {
    APIResponse made = adminApi.post("/api/service-keys", RequestOptions.create().setData(Map.of("name", "status-feeder",
        "roles", List.of("service"), "grants", Map.of("publish", List.of("status.server")))));
    assertThat(made.status()).as(made.text()).isEqualTo(201);
    String secret = new JsonObject(made.text()).getString("secret");

    Page page = loggedIn("olga");
    assertThat(page.locator("#server-status")).containsText("waiting");
    ProcessBuilder pb = new ProcessBuilder("python3", Path.of("..", "docs", "examples", "tcp_bridge_publish.py").toAbsolutePath().toString(),
        "127.0.0.1", String.valueOf(node.gateway().tcpBridgePort()), "status.server",
        "{\"status\":\"degraded\",\"message\":\"maintenance announced by python\"}").redirectErrorStream(true);
    pb.environment().put("OPSBUS_KEY", secret);
    Process py = pb.start();
    assertThat(py.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(new String(py.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).contains("published to status.server");
    assertThat(page.locator("#server-status")).containsText("maintenance announced by python");
    page.context().close();
  }

  @Test
  void aNotificationSentWhileTheUserWasOfflineIsOnTheBellAfterLogin() {
    APIResponse sent = adminApi.post("/api/bus/request", RequestOptions.create().setData(Map.of("address", "notifications.send",
        "body", Map.of("username", "piet", "title", "certificate renewed", "text", "web-1 until 2027", "level", "info"))));
    assertThat(sent.status()).as(sent.text()).isEqualTo(200);

    Page page = loggedIn("piet");
    assertThat(page.locator("#bell .count")).hasText("1");
    page.locator("#bell").click();
    assertThat(page.locator("#notifications")).containsText("certificate renewed");
    assertThat(page.locator("#bell .count")).isHidden();

    // one that arrives while logged in pops up as a toast and counts again
    APIResponse live = adminApi.post("/api/bus/request", RequestOptions.create().setData(Map.of("address", "notifications.send",
        "body", Map.of("username", "piet", "title", "backup finished"))));
    assertThat(live.status()).as(live.text()).isEqualTo(200);
    assertThat(page.locator("#toasts")).containsText("backup finished");
    assertThat(page.locator("#bell .count")).hasText("1");
    page.context().close();
  }
}
