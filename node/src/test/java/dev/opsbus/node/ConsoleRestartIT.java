package dev.opsbus.node;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.assertions.LocatorAssertions;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import dev.opsbus.model.BuildInfo;
import dev.opsbus.testkit.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A console left open while its node restarts on a new version (the same port, a build id set with
 * the system property {@code opsbus.buildVersion}): it waits the {@code reconnectAfterMs} the draining
 * node named, reconnects by itself, offers the reload banner (the server tells its build at connect),
 * and the errors of the outage are gone once the server is back. Headless Chromium as in
 * {@link ConsoleBrowserIT}; screenshots in target/screenshots.
 */
class ConsoleRestartIT {

  static final String ADMIN_PASSWORD = "restart-admin-password";
  static final String NEXT_BUILD = "9.9.9-next";
  static final double WAIT_MS = 20_000;
  /** The backoff may be at 8 or 16 s (with jitter) by the time the node is back. */
  static final double RECONNECT_MS = 60_000;
  static final Duration RECONNECT_WINDOW = Duration.ofMillis(1500);

  @TempDir
  static Path dataDir;

  static OpsbusNode node;
  static String base;
  static Playwright playwright;
  static Browser browser;
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
        .demo(true).adminPassword(ADMIN_PASSWORD).drain(new DrainConfig(Duration.ofSeconds(5), RECONNECT_WINDOW)).build());
    base = "http://127.0.0.1:" + node.httpPort();
    playwright = Playwright.create(new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
    PlaywrightAssertions.setDefaultAssertionTimeout(WAIT_MS);
    browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
        .setExecutablePath(Paths.get(chromium)).setHeadless(true).setArgs(ConsoleBrowserIT.CHROMIUM_ARGS));
  }

  @AfterAll
  static void stop() {
    System.clearProperty(BuildInfo.OVERRIDE);
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

  void shot(Page page, String what) {
    page.screenshot(new Page.ScreenshotOptions().setPath(screenshots.resolve("restartOnANewVersion-" + what + ".png")).setFullPage(true));
  }

  @Test
  void aNodeRestartedOnANewVersionBringsTheOpenConsoleBackWithTheReloadBannerAndNoStaleErrors() {
    BrowserContext ctx = browser.newContext(new Browser.NewContextOptions().setViewportSize(1400, 900));
    ctx.setDefaultTimeout(WAIT_MS);
    contexts.add(ctx);
    Page page = ctx.newPage();
    page.onPageError(e -> pageErrors.add(e.toString()));
    page.navigate(base + "/");
    page.locator("#login-form input[name=username]").fill("admin");
    page.locator("#login-form input[name=password]").fill(ADMIN_PASSWORD);
    page.locator("#login-form button[type=submit]").click();
    assertThat(page.locator("#conn")).hasAttribute("data-state", "connected");
    assertThat(page.locator("#banner")).isHidden();

    int port = node.httpPort();
    NodeSettings settings = node.settings();
    System.setProperty(BuildInfo.OVERRIDE, NEXT_BUILD);
    try {
      node.drain();
      node.close();
      node = null;
      assertThat(page.locator("#conn")).not().hasAttribute("data-state", "connected");
      // while the node is away, the page's calls fail: said, for now
      page.evaluate("() => { location.hash = '#/host/demo'; }");
      assertThat(page.locator("#toasts .toast.error").first()).isVisible();
      shot(page, "while-down");

      node = OpsbusNode.start(settings.toBuilder().httpPort(port).build());
      assertThat(page.locator("#conn")).hasAttribute("data-state", "connected",
          new LocatorAssertions.HasAttributeOptions().setTimeout(RECONNECT_MS));
      assertThat(page.locator("#banner")).isVisible();
      assertThat(page.locator("#banner")).containsText("the server runs " + NEXT_BUILD + " now");
      assertThat(page.locator("#banner button").first()).hasText("Reload to get version " + NEXT_BUILD);
      // the outage is over: what it made the page say is gone with it
      assertThat(page.locator("#toasts .toast.error")).hasCount(0);
      // and the parts of the view that could not load while it was away are loaded again
      assertThat(page.locator("#view [data-cause=server]")).hasCount(0);
      assertThat(page.locator("#logs-card")).containsText("No log files are configured");

      // the first attempt after the drain waited what the node said (spread by the node over its window)
      @SuppressWarnings("unchecked")
      Map<String, Object> firstWait = (Map<String, Object>) page.evaluate("() => window.opsbus.bus.waits[0]");
      assertThat(firstWait.get("why")).isEqualTo("node_draining");
      assertThat(((Number) firstWait.get("ms")).longValue()).isEqualTo(((Number) firstWait.get("told")).longValue())
          .isBetween(0L, RECONNECT_WINDOW.toMillis());
      shot(page, "banner");
    } finally {
      System.clearProperty(BuildInfo.OVERRIDE);
    }
  }
}
