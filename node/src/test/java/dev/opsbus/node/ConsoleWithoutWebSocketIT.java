package dev.opsbus.node;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.assertions.LocatorAssertions;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import dev.opsbus.testkit.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web console in headless Chromium where WebSocket does not exist (as behind a proxy that
 * blocks it): sockjs-client falls back to xhr-streaming, or to xhr-polling when streaming is blocked
 * too, and the console still shows live node metrics and an operation running to its end.
 */
class ConsoleWithoutWebSocketIT {

  static final String ADMIN_PASSWORD = "nows-admin-password";
  static final double WAIT_MS = 20_000;
  /** Run in every page before its own scripts: this browser has no WebSocket at all. */
  static final String NO_WEBSOCKET = "Object.defineProperty(window, 'WebSocket', {value: undefined, configurable: true, writable: true});"
      + "Object.defineProperty(window, 'MozWebSocket', {value: undefined, configurable: true, writable: true});";

  @TempDir
  static Path dataDir;

  static OpsbusNode node;
  static String base;
  static Playwright playwright;
  static Browser browser;

  final List<BrowserContext> contexts = new CopyOnWriteArrayList<>();
  final List<String> pageErrors = new CopyOnWriteArrayList<>();
  /** Every request the pages made under /eventbus/. */
  final List<String> bridgeRequests = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    String chromium = System.getProperty("opsbus.chromium", "/usr/bin/chromium");
    if (!Files.isExecutable(Paths.get(chromium))) {
      throw new IllegalStateException("no Chromium at " + chromium + ": install Debian's chromium (.ci/run does) or set -Dopsbus.chromium");
    }
    Files.createDirectories(Paths.get(System.getProperty("opsbus.screenshots", "target/screenshots")));
    TestDatabase.reset();
    node = OpsbusNode.start(NodeSettings.builder().httpPort(0).httpHost("127.0.0.1").pgUrl(TestDatabase.url()).dataDir(dataDir)
        .demo(true).adminPassword(ADMIN_PASSWORD).build());
    base = "http://127.0.0.1:" + node.httpPort();
    playwright = Playwright.create(new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
    PlaywrightAssertions.setDefaultAssertionTimeout(WAIT_MS);
    browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
        .setExecutablePath(Paths.get(chromium)).setHeadless(true).setArgs(ConsoleBrowserIT.CHROMIUM_ARGS));
  }

  @AfterAll
  static void stop() {
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

  /** A fresh profile without WebSocket; {@code blocked} lists SockJS transports whose requests fail, as a proxy would make them. */
  Page loggedInWithoutWebSocket(List<String> blocked) {
    BrowserContext ctx = browser.newContext(new Browser.NewContextOptions().setViewportSize(1400, 900));
    ctx.setDefaultTimeout(WAIT_MS);
    ctx.addInitScript(NO_WEBSOCKET);
    for (String transport : blocked) {
      ctx.route("**/eventbus/*/*/" + transport + "*", route -> route.abort());
    }
    contexts.add(ctx);
    Page page = ctx.newPage();
    page.onPageError(e -> pageErrors.add(String.valueOf(e)));
    page.onRequest(r -> {
      if (r.url().contains("/eventbus/")) {
        bridgeRequests.add(r.url());
      }
    });
    page.navigate(base + "/");
    assertThat((Boolean) page.evaluate("() => typeof window.WebSocket === 'undefined'")).as("WebSocket is gone").isTrue();
    page.locator("#login-form input[name=username]").fill("admin");
    page.locator("#login-form input[name=password]").fill(ADMIN_PASSWORD);
    page.locator("#login-form button[type=submit]").click();
    assertThat(page.locator("#conn")).hasAttribute("data-state", "connected");
    return page;
  }

  void liveMetricsAndAnOperationToItsEnd(Page page, String name) {
    Locator row = page.locator("#nodes-card tr[data-node-id='" + node.nodeId() + "']");
    assertThat(row).isVisible();
    page.waitForFunction("id => +document.querySelector(`#nodes-card tr[data-node-id='${id}']`).dataset.samples >= 1", node.nodeId());
    String firstSamples = row.getAttribute("data-samples");
    // the next metrics.node sample (every 2 s) arrives over the fallback transport
    assertThat(row).not().hasAttribute("data-samples", firstSamples);

    page.navigate(base + "/#/host/demo");
    page.locator("button.op-button[data-op-type=ssh_test]").click();
    Locator status = page.locator(".op-status[data-op-type=ssh_test]");
    assertThat(status).hasAttribute("data-status", "completed", new LocatorAssertions.HasAttributeOptions().setTimeout(60_000));
    assertThat(status.locator("[role=progressbar]")).hasAttribute("aria-valuenow", "100");
    assertThat(status).not().containsText("null");
    page.screenshot(new Page.ScreenshotOptions().setFullPage(true)
        .setPath(Paths.get(System.getProperty("opsbus.screenshots", "target/screenshots")).resolve("no-websocket-" + name + ".png")));
  }

  @Test
  void withoutWebSocketTheConsoleRunsOverXhrStreaming() {
    Page page = loggedInWithoutWebSocket(List.of());
    liveMetricsAndAnOperationToItsEnd(page, "xhr-streaming");
    assertThat(bridgeRequests).anyMatch(u -> u.contains("/xhr_streaming"));
    assertThat(bridgeRequests).anyMatch(u -> u.contains("/xhr_send"));
    assertThat(bridgeRequests).noneMatch(u -> u.endsWith("/websocket"));
  }

  @Test
  void withStreamingBlockedTooTheConsoleRunsOverXhrPolling() {
    Page page = loggedInWithoutWebSocket(List.of("xhr_streaming", "eventsource", "htmlfile"));
    liveMetricsAndAnOperationToItsEnd(page, "xhr-polling");
    assertThat(bridgeRequests).anyMatch(u -> u.matches(".*/eventbus/[^/]+/[^/]+/xhr(\\?.*)?$"));
    assertThat(bridgeRequests).anyMatch(u -> u.contains("/xhr_send"));
  }
}
