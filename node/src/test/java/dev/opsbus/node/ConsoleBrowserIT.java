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
import com.microsoft.playwright.assertions.LocatorAssertions;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import com.microsoft.playwright.options.RequestOptions;
import dev.opsbus.model.Addresses;
import dev.opsbus.operations.OperationsConfig;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web console in a real headless Chromium (Debian's, driven by Playwright for Java, which never
 * downloads a browser of its own) against a whole --demo node started in this JVM: login, live
 * dashboard, operations with progress and attach, shared terminals with read-only viewers,
 * reconnect with resync, what viewers may not see, and presence. Each test leaves a screenshot in
 * target/screenshots.
 */
class ConsoleBrowserIT {

  static final String ADMIN_PASSWORD = "console-admin-password";
  static final double WAIT_MS = 20_000;
  static final List<String> CHROMIUM_ARGS = List.of("--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic");

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
  String testName;

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
        .demo(true).adminPassword(ADMIN_PASSWORD)
        .operationCommands(List.of(new OperationsConfig.CommandOperation("sleeper", "echo start; sleep 8; echo done",
            List.of(), List.of("operator"), Duration.ofSeconds(60))))
        .build());
    base = "http://127.0.0.1:" + node.httpPort();
    playwright = Playwright.create(new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
    PlaywrightAssertions.setDefaultAssertionTimeout(WAIT_MS);
    browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
        .setExecutablePath(Paths.get(chromium)).setHeadless(true).setArgs(CHROMIUM_ARGS));
    // it keeps the session cookie like a browser, so it says where it comes from like the console does
    adminApi = playwright.request().newContext(new APIRequest.NewContextOptions().setBaseURL(base)
        .setExtraHTTPHeaders(Map.of("Origin", base)));
    adminLogin();
    user("vic", "viewer", List.of("demo"));
    user("tina", "viewer", List.of("demo"));
    user("wendy", "operator", List.of());
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

  @BeforeEach
  void name(TestInfo info) {
    testName = info.getTestMethod().map(m -> m.getName()).orElse("test");
  }

  @AfterEach
  void closeContexts() {
    contexts.forEach(BrowserContext::close);
    assertThat(pageErrors).as("uncaught errors in the console's pages").isEmpty();
  }

  static void adminLogin() {
    APIResponse login = adminApi.post("/api/login", RequestOptions.create().setData(Map.of("username", "admin", "password", ADMIN_PASSWORD)));
    assertThat(login.status()).as(login.text()).isEqualTo(200);
  }

  static void user(String name, String role, List<String> hosts) {
    APIResponse r = adminApi.post("/api/users", RequestOptions.create().setData(Map.of("username", name, "password", name + "-password",
        "roles", List.of(role), "hosts", hosts)));
    assertThat(r.status()).as(r.text()).isIn(201, 409);
  }

  /** A fresh browser profile (its own cookie jar) logged in through the login page. */
  Page loggedIn(String user, String password) {
    Page page = newPage();
    page.navigate(base + "/");
    page.locator("#login-form input[name=username]").fill(user);
    page.locator("#login-form input[name=password]").fill(password);
    page.locator("#login-form button[type=submit]").click();
    assertThat(page.locator("#conn")).hasAttribute("data-state", "connected");
    return page;
  }

  /** A page in a fresh browser profile (its own cookie jar). */
  Page newPage() {
    BrowserContext ctx = browser.newContext(new Browser.NewContextOptions().setViewportSize(1400, 900));
    ctx.setDefaultTimeout(WAIT_MS);
    contexts.add(ctx);
    return watched(ctx.newPage());
  }

  Page watched(Page page) {
    page.onPageError(e -> pageErrors.add(testName + ": " + e));
    return page;
  }

  void shot(Page page, String what) {
    page.screenshot(new Page.ScreenshotOptions().setPath(screenshots.resolve(testName + "-" + what + ".png")).setFullPage(true));
  }

  static JsonObject json(APIResponse r) {
    assertThat(r.ok()).as(r.status() + " " + r.text()).isTrue();
    return new JsonObject(r.text());
  }

  @Test
  void loggingInShowsNodeMetricsThatChangeAndTheSessionSurvivesAReload() {
    Page wrong = newPage();
    wrong.navigate(base + "/");
    wrong.locator("#login-form input[name=username]").fill("admin");
    wrong.locator("#login-form input[name=password]").fill("not-the-password");
    wrong.locator("#login-form button[type=submit]").click();
    assertThat(wrong.locator("#login-form .form-error")).containsText("Wrong user name or password");
    shot(wrong, "login-refused");

    Page page = loggedIn("admin", ADMIN_PASSWORD);
    Locator row = page.locator("#nodes-card tr[data-node-id='" + node.nodeId() + "']");
    assertThat(row).isVisible();
    page.waitForFunction("id => +document.querySelector(`#nodes-card tr[data-node-id='${id}']`).dataset.samples >= 1", node.nodeId());
    String firstUptime = row.locator(".uptime").textContent();
    String firstSamples = row.getAttribute("data-samples");
    // the next metrics.node sample (every 2 s) changes the row: sample count, uptime, and the sparklines
    assertThat(row.locator(".uptime")).not().hasText(firstUptime);
    assertThat(row).not().hasAttribute("data-samples", firstSamples);
    assertThat(row.locator(".value.cpu")).hasText(Pattern.compile("^\\d+\\.\\d$"));
    assertThat(row.locator(".value.mem")).hasText(Pattern.compile("^\\d+"));
    assertThat(page.locator("#server-status .badge")).hasText(Pattern.compile("healthy|degraded|down"));
    assertThat(page.locator("#relays")).hasText(Pattern.compile("\\d+ / \\d+"));
    // host health is sampled every 30 s and not replayed to a new subscriber: the first reading may take that long
    assertThat(page.locator("#hosts-card li[data-host-id=demo] .badge")).hasText(Pattern.compile("up|degraded|down"),
        new LocatorAssertions.HasTextOptions().setTimeout(45_000));
    page.waitForFunction("id => +document.querySelector(`#nodes-card tr[data-node-id='${id}']`).dataset.samples >= 4", node.nodeId());
    // admins get the activity feed, with this very login in it
    assertThat(page.locator("#activity-card li").filter(new Locator.FilterOptions().setHasText("admin")).first()).isVisible();
    shot(page, "dashboard");

    page.reload();
    assertThat(page.locator("#conn")).hasAttribute("data-state", "connected");
    assertThat(page.locator("#login-form")).hasCount(0);
    assertThat(page.locator("#who")).containsText("admin");

    page.locator("#logout").click();
    assertThat(page.locator("#login-form")).isVisible();
    page.reload();
    assertThat(page.locator("#login-form")).isVisible();
    // a logout ends every token of the user (docs/SECURITY.md, Revocation): this API context's too
    APIResponse revoked = adminApi.get("/api/me");
    assertThat(revoked.status()).isEqualTo(401);
    assertThat(revoked.text()).contains("token_revoked");
    adminLogin();
  }

  @Test
  void sshTestOnDemoRunsToCompletedAtFullProgress() {
    Page page = loggedIn("admin", ADMIN_PASSWORD);
    page.navigate(base + "/#/host/demo");
    page.locator("button.op-button[data-op-type=ssh_test]").click();
    Locator status = page.locator(".op-status[data-op-type=ssh_test]");
    assertThat(status).hasAttribute("data-status", "completed", new LocatorAssertions.HasAttributeOptions().setTimeout(60_000));
    assertThat(status.locator("[role=progressbar]")).hasAttribute("aria-valuenow", "100");
    assertThat(status.locator(".op-state")).hasText("completed");
    String id = status.getAttribute("data-op-id");
    assertThat(page.locator("#history-card tr[data-op-id='" + id + "'] .status")).hasText("completed");
    shot(page, "host-ssh-test-completed");
  }

  @Test
  void aSecondClickDuringARunAttachesToItInsteadOfStartingAnother() {
    Page page = loggedIn("admin", ADMIN_PASSWORD);
    page.navigate(base + "/#/host/demo");
    // configured types are listed by the server beside the built-in ones
    Locator button = page.locator("button.op-button[data-op-type=sleeper]");
    Locator status = page.locator(".op-status[data-op-type=sleeper]");
    button.click();
    assertThat(status).hasAttribute("data-answer", "started");
    assertThat(button).hasAttribute("data-state", "running");
    assertThat(button.locator("[role=progressbar]")).isVisible();
    String first = status.getAttribute("data-op-id");

    button.click();
    assertThat(status).hasAttribute("data-answer", "already_running");
    assertThat(status).containsText("Already running");
    assertThat(status).hasAttribute("data-op-id", first);
    shot(page, "attached");

    JsonArray ops = json(adminApi.get("/api/operations?hostId=demo&type=sleeper")).getJsonArray("operations");
    assertThat(ops).as("the server's operations of type sleeper").hasSize(1);
    assertThat(ops.getJsonObject(0).getString("id")).isEqualTo(first);
    adminApi.post("/api/operations/" + first + "/cancel");
  }

  @Test
  void aTerminalEchoesAndAViewerWatchesReadOnlyWithItsTypingRefused() {
    Page admin = loggedIn("admin", ADMIN_PASSWORD);
    admin.navigate(base + "/#/host/demo");
    admin.locator("#open-terminal").click();
    admin.waitForURL(Pattern.compile(".*#/terminal/[^/]+$"));
    String sid = admin.url().replaceAll(".*#/terminal/", "");
    assertThat(admin.locator("#term-state")).hasAttribute("data-state", "connected");
    assertThat(admin.locator("#term-role")).hasAttribute("data-role", "driver");
    admin.locator("#terminal").click();
    admin.keyboard().type("echo hi");
    admin.keyboard().press("Enter");
    awaitTerminalLine(admin, "hi");
    // fitted to the window: the shell's size is the xterm's, larger than the 120x32 it was opened with
    JsonObject size = new JsonObject((String) admin.evaluate("() => JSON.stringify(window.opsbus.terminalSize())"));
    assertThat(size.getInteger("cols")).isGreaterThan(120);
    admin.keyboard().type("stty size");
    admin.keyboard().press("Enter");
    awaitTerminalLine(admin, size.getInteger("rows") + " " + size.getInteger("cols"));

    // a reload reattaches within the grace period and replays the scrollback
    admin.reload();
    assertThat(admin.locator("#term-state")).hasAttribute("data-state", "connected");
    awaitTerminalLine(admin, "hi");
    assertThat((String) admin.evaluate("() => window.opsbus.terminalText()")).contains("echo hi");

    Page viewer = loggedIn("vic", "vic-password");
    viewer.navigate(base + "/#/terminal/" + sid);
    assertThat(viewer.locator("#term-role")).hasAttribute("data-role", "viewer");
    assertThat(viewer.locator("#readonly-banner")).isVisible();
    awaitTerminalLine(viewer, "hi");
    viewer.locator("#terminal").click();
    viewer.keyboard().type("echo from-viewer");
    viewer.keyboard().press("Enter");
    assertThat(viewer.locator("#input-refused")).isVisible();
    assertThat(viewer.locator("#input-refused")).containsText(Pattern.compile("refused", Pattern.CASE_INSENSITIVE));

    admin.locator("#terminal").click();
    admin.keyboard().type("echo marker-after");
    admin.keyboard().press("Enter");
    awaitTerminalLine(viewer, "marker-after");
    assertThat((String) admin.evaluate("() => window.opsbus.terminalText()")).doesNotContain("from-viewer");
    assertThat(admin.locator("#participants li[data-username=vic]")).hasAttribute("data-role", "viewer");
    assertThat(admin.locator("#participants li[data-username=admin]")).hasAttribute("data-role", "driver");

    admin.locator("#share-form input[name=username]").fill("wendy");
    admin.locator("#share-form select[name=mode]").selectOption("write");
    admin.locator("#share-form button[type=submit]").click();
    assertThat(admin.locator("#share-note")).containsText("wendy is invited as writer");
    shot(admin, "driver");
    shot(viewer, "viewer-read-only");
  }

  @Test
  void theDashboardCountsTheOpenTerminalSessions() {
    // terminals earlier tests left open are closed first, so this one counts from none
    for (Object open : new JsonArray(adminApi.get("/api/terminals").text())) {
      json(adminApi.delete("/api/terminals/" + ((JsonObject) open).getString("sessionId")));
    }
    Page page = loggedIn("admin", ADMIN_PASSWORD);
    Locator sessions = page.locator("#total-sessions");
    assertThat(sessions).hasText("0");
    // the one relay of this node answers its ping
    assertThat(page.locator("#relays")).hasText("1 / 1");

    String sid = json(adminApi.post("/api/hosts/demo/terminals", RequestOptions.create().setData(Map.of("cols", 100, "rows", 30))))
        .getString("sessionId");
    assertThat(sessions).hasText("1");
    shot(page, "one-terminal");

    json(adminApi.delete("/api/terminals/" + sid));
    assertThat(sessions).hasText("0");
  }

  static void awaitTerminalLine(Page page, String line) {
    page.waitForFunction("l => window.opsbus.terminalText && window.opsbus.terminalText().split('\\n').some(x => x.trim() === l)", line,
        new Page.WaitForFunctionOptions().setTimeout(WAIT_MS));
  }

  @Test
  void droppedBridgeSocketsReconnectAndShowTheOperationThatChangedMeanwhile() throws Exception {
    Page page = loggedIn("admin", ADMIN_PASSWORD);
    assertThat(page.locator("#ops-card")).isVisible();
    // keep the tab away long enough for an operation to run start to end while it is gone:
    // SockJS asks /eventbus/info before each connection, so refusing it holds the reconnects off
    page.route("**/eventbus/info**", route -> route.abort());
    CompletableFuture<Integer> dropped = new CompletableFuture<>();
    node.vertx().runOnContext(v -> dropped.complete(node.gateway().bridge().dropAllConnections("console test: node going away")));
    assertThat(dropped.get(10, TimeUnit.SECONDS)).isPositive();
    assertThat(page.locator("#conn")).hasAttribute("data-state", Pattern.compile("reconnecting|disconnected"));
    assertThat(page.locator("#conn")).containsText("Reconnecting");
    shot(page, "reconnecting");

    CompletableFuture<JsonObject> completed = new CompletableFuture<>();
    CompletableFuture<String> started = new CompletableFuture<>();
    var consumer = node.vertx().eventBus().<JsonObject>consumer(Addresses.OPS_UPDATES_HOST.format("demo"), m -> {
      JsonObject op = m.body();
      started.thenAccept(id -> {
        if (id.equals(op.getString("id")) && "completed".equals(op.getString("status"))) {
          completed.complete(op);
        }
      });
    });
    consumer.completion().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    try {
      JsonObject answer = json(adminApi.post("/api/hosts/demo/operations", RequestOptions.create().setData(Map.of("type", "ssh_test"))));
      String id = answer.getString("operationId");
      started.complete(id);
      JsonObject op = json(adminApi.get("/api/operations/" + id));
      if (!"completed".equals(op.getString("status"))) {
        completed.get(60, TimeUnit.SECONDS);
      }
      Locator row = page.locator("#ops-card tr[data-op-id='" + id + "']");
      assertThat(page.locator("#conn")).not().hasAttribute("data-state", "connected");
      assertThat(row).hasCount(0);

      page.unroute("**/eventbus/info**");
      assertThat(page.locator("#conn")).hasAttribute("data-state", "connected", new LocatorAssertions.HasAttributeOptions().setTimeout(40_000));
      assertThat(page.locator("#conn")).hasText("Connected");
      assertThat(row).hasAttribute("data-status", "completed");
      assertThat(row.locator("[role=progressbar]")).hasAttribute("aria-valuenow", "100");
      shot(page, "reconnected");
    } finally {
      consumer.unregister();
    }
  }

  @Test
  void aViewerSeesNoAdminPanelsAndTheServerRefusesThemAnyway() {
    Page page = loggedIn("vic", "vic-password");
    assertThat(page.locator("#nodes-card tr[data-node-id]").first()).isVisible();
    assertThat(page.locator("#hosts-card li[data-host-id=demo]")).isVisible();
    assertThat(page.locator("#activity-card")).hasCount(0);
    shot(page, "dashboard");

    page.navigate(base + "/#/host/demo");
    assertThat(page.locator("#action-note")).containsText("may watch operations here but not start them");
    assertThat(page.locator("button.op-button")).hasCount(0);
    assertThat(page.locator("#open-terminal")).hasCount(0);
    shot(page, "host");

    // the server says no to the same things asked for directly, over HTTP and over the bridge
    Object activity = page.evaluate("() => fetch('/api/activity').then(r => r.status)");
    assertThat(activity).isEqualTo(403);
    Object start = page.evaluate("() => fetch('/api/hosts/demo/operations', {method: 'POST', headers: {'content-type': 'application/json'},"
        + " body: JSON.stringify({type: 'ssh_test'})}).then(r => r.status)");
    assertThat(start).isEqualTo(403);
    for (String address : List.of("activity.events", "ops.updates.all")) {
      Object refused = page.evaluate("address => new Promise(resolve => {"
          + " const eb = new EventBus(location.origin + '/eventbus');"
          + " eb.onopen = () => eb.registerHandler(address, (err, msg) => { resolve(err ? err.failureType : 'delivered'); eb.close(); });"
          + " })", address);
      assertThat(refused).as(address).isEqualTo("access_denied");
    }
  }

  @Test
  void aRefusedStartSaysWhyInWords() {
    // wendy operates, but is granted no host: the server refuses, and the page says so
    Page page = loggedIn("wendy", "wendy-password");
    page.navigate(base + "/#/host/demo");
    page.locator("button.op-button[data-op-type=ssh_test]").click();
    Locator status = page.locator(".op-status[data-op-type=ssh_test] .err");
    assertThat(status).containsText("Could not start ssh_test: You do not have permission to do this.");
    assertThat(page.locator(".op-status[data-op-type=ssh_test] .progress")).hasCount(0);
    shot(page, "refused");
  }

  @Test
  void aChangedHostKeyIsSaidInWords() {
    String pinned = json(adminApi.get("/api/hosts/demo")).getJsonObject("hostKey").getString("pinned");
    assertThat(pinned).startsWith("SHA256:");
    json(adminApi.post("/api/hosts/demo/host-key", RequestOptions.create().setData(Map.of("fingerprint",
        "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))));
    try {
      Page page = loggedIn("admin", ADMIN_PASSWORD);
      page.navigate(base + "/#/host/demo");
      page.locator("button.op-button[data-op-type=ssh_test]").click();
      Locator status = page.locator(".op-status[data-op-type=ssh_test]");
      assertThat(status).hasAttribute("data-status", "failed");
      assertThat(status.locator(".err")).containsText("The host's SSH key has changed since it was pinned");
      shot(page, "host-key-changed");
    } finally {
      json(adminApi.post("/api/hosts/demo/host-key", RequestOptions.create().setData(Map.of("fingerprint", pinned))));
    }
  }

  @Test
  void aNewBuildVersionOffersAReload() {
    Page page = loggedIn("vic", "vic-password");
    assertThat(page.locator("#banner")).isHidden();
    node.vertx().eventBus().publish(Addresses.STATUS_VERSION, new JsonObject().put("type", "version_changed")
        .put("ts", java.time.Instant.now().toString()).put("nodeId", node.nodeId()).put("oldVersion", "0.1.0-SNAPSHOT")
        .put("newVersion", "0.2.0").put("message", "A node of opsbus 0.2.0 joined the cluster."));
    assertThat(page.locator("#banner")).isVisible();
    assertThat(page.locator("#banner")).containsText("0.2.0 joined");
    assertThat(page.locator("#banner button").first()).hasText("Reload to get version 0.2.0");
    shot(page, "banner");
    page.locator("#banner button").first().click();
    assertThat(page.locator("#conn")).hasAttribute("data-state", "connected");
    assertThat(page.locator("#banner")).isHidden();
  }

  @Test
  void theLogTailShowsNewLinesAndHoldsThemWhilePaused() throws Exception {
    Path log = dataDir.resolve("console-app.log");
    Files.writeString(log, "");
    json(adminApi.put("/api/hosts/demo", RequestOptions.create().setData(Map.of("logs", List.of(Map.of("stream", "app", "path", log.toString()))))));
    try {
      Page page = loggedIn("vic", "vic-password");
      page.navigate(base + "/#/host/demo");
      Locator lines = page.locator("#log-lines");
      assertThat(lines).isVisible();
      Files.writeString(log, "first line of the console test\n", java.nio.file.StandardOpenOption.APPEND);
      assertThat(lines).containsText("first line of the console test");

      page.locator("#log-pause").click();
      assertThat(page.locator("#log-pause")).hasText("Resume");
      Files.writeString(log, "written while paused\n", java.nio.file.StandardOpenOption.APPEND);
      assertThat(page.locator("#logs-card")).containsText("1 new line held while paused");
      assertThat(lines).not().containsText("written while paused");
      shot(page, "paused");
      page.locator("#log-pause").click();
      assertThat(lines).containsText("written while paused");
    } finally {
      json(adminApi.put("/api/hosts/demo", RequestOptions.create().setData(Map.of("logs", List.of()))));
    }
  }

  @Test
  void twoTabsOfOneUserShowAsOnePersonWithTwoTabsAndClosingOneLeavesOne() {
    Page first = loggedIn("tina", "tina-password");
    Page second = watched(first.context().newPage());
    second.navigate(base + "/#/host/demo");
    assertThat(second.locator("#conn")).hasAttribute("data-state", "connected");
    Locator tina = first.locator("#presence-card li[data-username=tina]");
    assertThat(tina).hasCount(1);
    assertThat(tina).hasAttribute("data-tabs", "2");
    assertThat(tina).containsText("2 tabs");
    assertThat(tina).containsText("host:demo");
    shot(first, "two-tabs");

    second.close();
    assertThat(tina).hasAttribute("data-tabs", "1");
    assertThat(tina).containsText("1 tab");
    shot(first, "one-tab");
  }
}
