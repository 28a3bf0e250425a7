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
import dev.opsbus.testkit.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

/**
 * What a console test in Chromium needs, in one place: a node on a fresh database (the caller
 * shapes its settings), Debian's Chromium driven by Playwright, an HTTP client logged in as admin,
 * pages logged in as someone, screenshots in target/screenshots ({@code <prefix>-<what>.png}),
 * and the check that no page threw or had something refused by the CSP. Start it in
 * {@code @BeforeAll}, call {@link #closePages()} in {@code @AfterEach} and {@link #close()} in
 * {@code @AfterAll}. (The older console ITs set up the same by hand.)
 */
final class ConsoleFixture implements AutoCloseable {

  static final double WAIT_MS = 20_000;

  final OpsbusNode node;
  final String base;
  final Playwright playwright;
  final Browser browser;
  /** Logged in as admin with a cookie, sending the node's own Origin as the console does. */
  final APIRequestContext adminApi;
  final Path screenshots;
  private final String prefix;
  private final List<BrowserContext> contexts = new CopyOnWriteArrayList<>();
  private final List<APIRequestContext> clients = new CopyOnWriteArrayList<>();
  private final List<String> pageErrors = new CopyOnWriteArrayList<>();
  private String testName = "test";

  private ConsoleFixture(String prefix, OpsbusNode node, Playwright playwright, Browser browser, APIRequestContext adminApi, Path screenshots) {
    this.prefix = prefix;
    this.node = node;
    this.base = "http://127.0.0.1:" + node.httpPort();
    this.playwright = playwright;
    this.browser = browser;
    this.adminApi = adminApi;
    this.screenshots = screenshots;
  }

  /**
   * A node listening on 127.0.0.1 (any free port) with {@code adminPassword} for admin, shaped
   * further by {@code settings} (its verticles, demo, ...), and a browser.
   */
  static ConsoleFixture start(String prefix, Path dataDir, String adminPassword, UnaryOperator<NodeSettings.Builder> settings) throws IOException {
    String chromium = System.getProperty("opsbus.chromium", "/usr/bin/chromium");
    if (!Files.isExecutable(Paths.get(chromium))) {
      throw new IllegalStateException("no Chromium at " + chromium + ": install Debian's chromium (.ci/run does) or set -Dopsbus.chromium");
    }
    Path screenshots = Paths.get(System.getProperty("opsbus.screenshots", "target/screenshots"));
    Files.createDirectories(screenshots);
    TestDatabase.reset();
    OpsbusNode node = OpsbusNode.start(settings.apply(NodeSettings.builder().httpPort(0).httpHost("127.0.0.1").pgUrl(TestDatabase.url())
        .dataDir(dataDir).adminPassword(adminPassword)).build());
    Playwright playwright = null;
    try {
      String base = "http://127.0.0.1:" + node.httpPort();
      playwright = Playwright.create(new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
      PlaywrightAssertions.setDefaultAssertionTimeout(WAIT_MS);
      Browser browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
          .setExecutablePath(Paths.get(chromium)).setHeadless(true).setArgs(ConsoleBrowserIT.CHROMIUM_ARGS));
      APIRequestContext admin = playwright.request().newContext(new APIRequest.NewContextOptions().setBaseURL(base)
          .setExtraHTTPHeaders(Map.of("Origin", base)));
      APIResponse login = admin.post("/api/login", RequestOptions.create().setData(Map.of("username", "admin", "password", adminPassword)));
      assertThat(login.status()).as(login.text()).isEqualTo(200);
      return new ConsoleFixture(prefix, node, playwright, browser, admin, screenshots);
    } catch (RuntimeException e) {
      if (playwright != null) {
        playwright.close();
      }
      node.close();
      throw e;
    }
  }

  /** Names the screenshots of the test that runs now. */
  void testName(String name) {
    this.testName = name;
  }

  /** A new browser (own cookies, 1400x900) whose uncaught errors and CSP refusals fail the test. */
  Page newPage() {
    return newPage(null);
  }

  /** As {@link #newPage()}, with a script run before the page's own (null: none), e.g. to take WebSocket away. */
  Page newPage(String initScript) {
    BrowserContext ctx = browser.newContext(new Browser.NewContextOptions().setViewportSize(1400, 900));
    ctx.setDefaultTimeout(WAIT_MS);
    if (initScript != null) {
      ctx.addInitScript(initScript);
    }
    contexts.add(ctx);
    Page page = ctx.newPage();
    page.onPageError(e -> pageErrors.add(testName + ": " + e));
    page.onConsoleMessage(m -> {
      if ("error".equals(m.type()) && m.text().contains("Content Security Policy")) {
        pageErrors.add(testName + ": CSP: " + m.text());
      }
    });
    return page;
  }

  /** Logged in through the login form, with the live connection up. */
  Page loggedIn(String user, String password) {
    return loggedIn(user, password, null);
  }

  /** As {@link #loggedIn(String, String)}, in a page with {@code initScript} (see {@link #newPage(String)}). */
  Page loggedIn(String user, String password, String initScript) {
    Page page = newPage(initScript);
    page.navigate(base + "/");
    page.locator("#login-form input[name=username]").fill(user);
    page.locator("#login-form input[name=password]").fill(password);
    page.locator("#login-form button[type=submit]").click();
    assertThat(page.locator("#conn")).hasAttribute("data-state", "connected");
    return page;
  }

  /** An HTTP client as a script holds it: {@code Authorization: Bearer <credential>}, no cookie, no Origin. */
  APIRequestContext bearer(String credential) {
    APIRequestContext c = playwright.request().newContext(new APIRequest.NewContextOptions().setBaseURL(base)
        .setExtraHTTPHeaders(Map.of("Authorization", "Bearer " + credential)));
    clients.add(c);
    return c;
  }

  void shot(Page page, String what) {
    page.screenshot(new Page.ScreenshotOptions().setPath(screenshots.resolve(prefix + "-" + testName + "-" + what + ".png")).setFullPage(true));
  }

  /** Closes the test's browsers and clients; fails when a page threw or the CSP refused something. */
  void closePages() {
    List<String> errors = new ArrayList<>(pageErrors);
    pageErrors.clear();
    contexts.forEach(BrowserContext::close);
    contexts.clear();
    clients.forEach(APIRequestContext::dispose);
    clients.clear();
    assertThat(errors).as("uncaught errors in the console's pages").isEmpty();
  }

  @Override
  public void close() {
    try {
      contexts.forEach(BrowserContext::close);
      clients.forEach(APIRequestContext::dispose);
      adminApi.dispose();
      browser.close();
      playwright.close();
    } finally {
      node.close();
    }
  }
}
