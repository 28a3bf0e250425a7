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
import com.microsoft.playwright.Route;
import com.microsoft.playwright.assertions.LocatorAssertions;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import com.microsoft.playwright.options.RequestOptions;
import dev.opsbus.demohost.DemoSshServer;
import dev.opsbus.model.BuildInfo;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's management pages in a real headless Chromium against a whole --demo node, each doing
 * what an operator does with it: add a host (a second real SSH server, MINA SSHD) and pin its key,
 * re-pin a changed key; create a user with a host grant, disable it, reset its password; watch a
 * terminal session appear live and join it as a viewer, close it as admin; start an operation with
 * typed parameters; create, pause and delete a schedule and filter the activity log. Screenshots go
 * to target/screenshots.
 */
class ConsolePagesIT {

  static final String ADMIN_PASSWORD = "pages-admin-password";
  static final double WAIT_MS = 20_000;
  static final List<String> CHROMIUM_ARGS = ConsoleBrowserIT.CHROMIUM_ARGS;

  @TempDir
  static Path dataDir;

  static OpsbusNode node;
  static DemoSshServer lab;
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
    Path labHome = Files.createDirectories(dataDir.resolve("lab-home"));
    lab = DemoSshServer.start(DemoSshServer.Options.of(dataDir.resolve("lab-host-key"), "labuser", "lab-password-123", labHome));
    node = OpsbusNode.start(NodeSettings.builder().httpPort(0).httpHost("127.0.0.1").pgUrl(TestDatabase.url()).dataDir(dataDir)
        .demo(true).adminPassword(ADMIN_PASSWORD)
        .operationCommands(List.of(new OperationsConfig.CommandOperation("repeat", "for i in $(seq {n}); do echo {level}-$i; done",
            List.of(new OperationsConfig.Param("n", "int", null, null, true),
                new OperationsConfig.Param("level", "enum", null, List.of("info", "warn"), true)),
            List.of("operator"), Duration.ofSeconds(60))))
        .build());
    base = "http://127.0.0.1:" + node.httpPort();
    playwright = Playwright.create(new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
    PlaywrightAssertions.setDefaultAssertionTimeout(WAIT_MS);
    browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
        .setExecutablePath(Paths.get(chromium)).setHeadless(true).setArgs(CHROMIUM_ARGS));
    adminApi = playwright.request().newContext(new APIRequest.NewContextOptions().setBaseURL(base)
        .setExtraHTTPHeaders(Map.of("Origin", base)));
    APIResponse login = adminApi.post("/api/login", RequestOptions.create().setData(Map.of("username", "admin", "password", ADMIN_PASSWORD)));
    assertThat(login.status()).as(login.text()).isEqualTo(200);
    APIResponse vic = adminApi.post("/api/users", RequestOptions.create().setData(Map.of("username", "vic", "password", "vic-password",
        "roles", List.of("viewer"), "hosts", List.of("demo"))));
    assertThat(vic.status()).as(vic.text()).isIn(201, 409);
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
    if (lab != null) {
      lab.close();
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

  Page loggedIn(String user, String password) {
    Page page = newPage();
    page.navigate(base + "/");
    login(page, user, password);
    assertThat(page.locator("#conn")).hasAttribute("data-state", "connected");
    return page;
  }

  static void login(Page page, String user, String password) {
    page.locator("#login-form input[name=username]").fill(user);
    page.locator("#login-form input[name=password]").fill(password);
    page.locator("#login-form button[type=submit]").click();
  }

  Page newPage() {
    BrowserContext ctx = browser.newContext(new Browser.NewContextOptions().setViewportSize(1400, 900));
    ctx.setDefaultTimeout(WAIT_MS);
    contexts.add(ctx);
    Page page = ctx.newPage();
    page.onPageError(e -> pageErrors.add(testName + ": " + e));
    return page;
  }

  void shot(Page page, String what) {
    page.screenshot(new Page.ScreenshotOptions().setPath(screenshots.resolve("pages-" + testName + "-" + what + ".png")).setFullPage(true));
  }

  static JsonObject json(APIResponse r) {
    assertThat(r.ok()).as(r.status() + " " + r.text()).isTrue();
    return r.text().isEmpty() ? new JsonObject() : new JsonObject(r.text());
  }

  @Test
  void anAdminAddsAHostPinsItsKeyAndRePinsAChangedOne() {
    Page page = loggedIn("admin", ADMIN_PASSWORD);
    page.locator("#nav a[data-page=hosts]").click();
    Locator demoRow = page.locator("tr[data-host-id=demo]");
    // who may reach a host is shown beside it
    assertThat(demoRow.locator(".grants")).containsText("vic");
    assertThat(demoRow.locator(".key code.fp")).hasText(Pattern.compile("^SHA256:"));

    page.locator("#add-host").click();
    Locator form = page.locator("#host-form");
    form.locator("input[name=id]").fill("lab");
    form.locator("input[name=name]").fill("Lab box");
    form.locator("input[name=address]").fill("127.0.0.1");
    form.locator("input[name=port]").fill(String.valueOf(lab.port()));
    form.locator("input[name=username]").fill("labuser");
    form.locator("input[name=password]").fill("lab-password-123");
    form.locator("button[type=submit]").click();

    // the new host is not pinned; the page scans the key it offers and asks to confirm it
    Locator labRow = page.locator("tr[data-host-id=lab]");
    assertThat(labRow.locator(".key")).containsText("not pinned");
    Locator keyCard = page.locator("#host-key-card");
    assertThat(keyCard).hasAttribute("data-state", "unpinned");
    assertThat(keyCard.locator("#offered-fp")).hasText(lab.fingerprint());
    shot(page, "scanned");
    keyCard.locator("#pin-key").click();
    assertThat(keyCard).hasAttribute("data-state", "pinned");
    assertThat(labRow.locator(".key code.fp")).hasText(lab.fingerprint());
    // the secret never comes back
    assertThat(adminApi.get("/api/hosts/lab").text()).doesNotContain("lab-password-123");

    // someone pins a wrong key: the page shows old and new, and re-pins only on an explicit confirmation
    String wrong = "SHA256:" + "B".repeat(43);
    json(adminApi.post("/api/hosts/lab/host-key", RequestOptions.create().setData(Map.of("fingerprint", wrong))));
    page.reload();
    labRow.locator("button[data-action=key]").click();
    assertThat(keyCard).hasAttribute("data-state", "changed");
    assertThat(keyCard.locator("#pinned-fp")).hasText(wrong);
    assertThat(keyCard.locator("#offered-fp")).hasText(lab.fingerprint());
    assertThat(keyCard.locator("#repin-key")).isDisabled();
    shot(page, "key-changed");
    keyCard.locator("#repin-confirm").check();
    keyCard.locator("#repin-key").click();
    assertThat(keyCard).hasAttribute("data-state", "pinned");
    assertThat(json(adminApi.get("/api/hosts/lab")).getJsonObject("hostKey").getString("pinned")).isEqualTo(lab.fingerprint());

    // edit keeps the stored password when the field stays empty: an SSH test still logs in
    labRow.locator("button[data-action=edit]").click();
    page.locator("#host-form input[name=name]").fill("Lab box 2");
    page.locator("#host-form button[type=submit]").click();
    assertThat(labRow).containsText("Lab box 2");
    JsonObject started = json(adminApi.post("/api/hosts/lab/operations", RequestOptions.create().setData(Map.of("type", "ssh_test"))));
    page.navigate(base + "/#/host/lab");
    Locator history = page.locator("#history-card tr[data-op-id='" + started.getString("operationId") + "']");
    assertThat(history).hasAttribute("data-status", "completed", new LocatorAssertions.HasAttributeOptions().setTimeout(60_000));

    page.navigate(base + "/#/hosts");
    labRow.locator("button[data-action=delete]").click();
    labRow.locator("button[data-action=confirm-delete]").click();
    assertThat(labRow).hasCount(0);
    assertThat(adminApi.get("/api/hosts/lab").status()).isEqualTo(404);
  }

  @Test
  void anAdminCreatesAUserWithAHostGrantDisablesItAndResetsItsPassword() {
    Page page = loggedIn("admin", ADMIN_PASSWORD);
    page.navigate(base + "/#/users");
    page.locator("#add-user").click();
    Locator form = page.locator("#user-form");
    form.locator("input[name=username]").fill("ursula");
    form.locator("input[name=password]").fill("ursula-first-password");
    form.locator("input[name=role][value=viewer]").uncheck();
    form.locator("input[name=role][value=operator]").check();
    form.locator("input[name=host][value=demo]").check();
    form.locator("button[type=submit]").click();
    Locator row = page.locator("tr[data-username=ursula]");
    assertThat(row.locator(".roles")).hasText("operator");
    assertThat(row.locator(".grants")).hasText("demo");
    shot(page, "created");

    // the grant works: ursula may start an operation on demo
    Page ursula = loggedIn("ursula", "ursula-first-password");
    ursula.navigate(base + "/#/host/demo");
    assertThat(ursula.locator("button.op-button[data-op-type=ssh_test]")).isVisible();

    row.locator("button[data-action=disable]").click();
    assertThat(row).hasAttribute("data-disabled", "true");
    assertThat(row.locator(".state")).hasText("disabled");
    Page refused = newPage();
    refused.navigate(base + "/");
    login(refused, "ursula", "ursula-first-password");
    assertThat(refused.locator("#login-form .form-error")).containsText("disabled");
    shot(page, "disabled");

    row.locator("button[data-action=enable]").click();
    assertThat(row).hasAttribute("data-disabled", "false");
    row.locator("button[data-action=edit]").click();
    page.locator("#user-form input[name=password]").fill("ursula-second-password");
    page.locator("#user-form button[type=submit]").click();
    assertThat(page.locator("#toasts")).containsText("password reset");
    Page again = loggedIn("ursula", "ursula-second-password");
    assertThat(again.locator("#who")).containsText("ursula");
  }

  @Test
  void aSessionAppearsLiveAViewerJoinsItAsksToWriteAndTheAdminClosesIt() {
    for (Object open : new JsonArray(adminApi.get("/api/terminals").text())) {
      json(adminApi.delete("/api/terminals/" + ((JsonObject) open).getString("sessionId")));
    }
    Page list = loggedIn("admin", ADMIN_PASSWORD);
    list.locator("#nav a[data-page=sessions]").click();
    assertThat(list.locator("#sessions-empty")).isVisible();

    // the admin opens a terminal in another tab: it appears in the list, live
    Page driver = loggedIn("admin", ADMIN_PASSWORD);
    driver.navigate(base + "/#/host/demo");
    driver.locator("#open-terminal").click();
    driver.waitForURL(Pattern.compile(".*#/terminal/[^/]+$"));
    String sid = driver.url().replaceAll(".*#/terminal/", "");
    assertThat(driver.locator("#term-role")).hasAttribute("data-role", "driver");
    Locator row = list.locator("tr[data-session-id='" + sid + "']");
    assertThat(row).isVisible();
    assertThat(row.locator(".owner")).hasText("admin");
    assertThat(row.locator(".participant[data-username=admin]")).hasAttribute("data-role", "driver");

    // a page opened later gets the current list replayed on subscribe
    Page late = loggedIn("admin", ADMIN_PASSWORD);
    late.navigate(base + "/#/sessions");
    assertThat(late.locator("tr[data-session-id='" + sid + "']")).isVisible();

    // an operator granted the host sees it (ssh.list over the bridge) and joins it read-only; only a user whose role
    // may type (the one writer rule) can be let to write, so it is an operator, not a viewer, who asks
    Page otto = loggedIn("otto", "otto-password");
    otto.navigate(base + "/#/sessions");
    Locator ottoRow = otto.locator("tr[data-session-id='" + sid + "']");
    assertThat(ottoRow).isVisible();
    assertThat(ottoRow.locator("button[data-action=close]")).hasCount(0);
    ottoRow.locator("a[data-action=view]").click();
    assertThat(otto.locator("#term-role")).hasAttribute("data-role", "viewer");
    assertThat(otto.locator("#readonly-banner")).isVisible();
    assertThat(row.locator(".participant[data-username=otto]")).hasAttribute("data-role", "viewer");

    // then asks to write: the driver is told and lets otto write
    otto.navigate(base + "/#/sessions");
    ottoRow.locator("a[data-action=write]").click();
    assertThat(otto.locator("#readonly-banner")).containsText("you asked to write");
    Locator ask = driver.locator("#write-requests li[data-username=otto]");
    assertThat(ask).containsText("otto asks to write");
    shot(driver, "asked-to-write");
    ask.locator("button[data-action=let-write]").click();
    assertThat(otto.locator("#term-role")).hasAttribute("data-role", "writer");
    assertThat(otto.locator("#readonly-banner")).isHidden();
    otto.locator("#terminal").click();
    otto.keyboard().type("echo written-by-otto");
    otto.keyboard().press("Enter");
    driver.waitForFunction("l => window.opsbus.terminalText && window.opsbus.terminalText().split('\\n').some(x => x.trim() === l)",
        "written-by-otto", new Page.WaitForFunctionOptions().setTimeout(WAIT_MS));
    assertThat(row.locator(".participant[data-username=otto]")).hasAttribute("data-role", "writer");
    shot(list, "live");

    row.locator("button[data-action=close]").click();
    assertThat(row).hasCount(0);
    assertThat(late.locator("tr[data-session-id='" + sid + "']")).hasCount(0);
    assertThat(otto.locator("#term-state")).hasAttribute("data-state", "closed");
  }

  @Test
  void anOperationWithTypedParametersStartsFromItsForm() {
    Page page = loggedIn("admin", ADMIN_PASSWORD);
    page.navigate(base + "/#/host/demo");
    Locator button = page.locator("button.op-button[data-op-type=repeat]");
    Locator action = page.locator(".action").filter(new Locator.FilterOptions().setHas(button));
    Locator n = action.locator("input[name=n]");
    assertThat(n).hasAttribute("type", "number");
    assertThat(action.locator("select[name=level] option")).hasCount(2);
    Locator status = page.locator(".op-status[data-op-type=repeat]");

    n.fill("2.5");
    button.click();
    assertThat(status.locator(".err")).containsText("n must be a whole number");

    n.fill("3");
    action.locator("select[name=level]").selectOption("warn");
    button.click();
    assertThat(status).hasAttribute("data-status", "completed", new LocatorAssertions.HasAttributeOptions().setTimeout(60_000));
    String id = status.getAttribute("data-op-id");
    JsonObject op = json(adminApi.get("/api/operations/" + id));
    assertThat(op.getJsonObject("params").getValue("n").toString()).isEqualTo("3");
    assertThat(op.getJsonObject("params").getString("level")).isEqualTo("warn");
    shot(page, "typed");
  }

  @Test
  void anAdminSchedulesPausesAndDeletesAndFiltersTheActivityLog() {
    Page page = loggedIn("admin", ADMIN_PASSWORD);
    page.locator("#nav a[data-page=schedules]").click();
    Locator form = page.locator("#schedule-form");
    form.locator("select[name=hostId]").selectOption("demo");
    form.locator("select[name=type]").selectOption("repeat");
    form.locator("input[name=n]").fill("2");
    form.locator("select[name=level]").selectOption("info");
    form.locator("input[name=cron]").fill("0 3 * * *");
    form.locator("button[type=submit]").click();
    Locator row = page.locator("tr[data-type=repeat][data-host-id=demo]");
    assertThat(row.locator(".state")).hasText("active");
    row.locator("button[data-action=pause]").click();
    assertThat(row.locator(".state")).hasText("paused");
    assertThat(row).hasAttribute("data-enabled", "false");
    shot(page, "paused");
    row.locator("button[data-action=resume]").click();
    assertThat(row.locator(".state")).hasText("active");
    row.locator("button[data-action=delete]").click();
    assertThat(row).hasCount(0);

    // vic logs in once more; the log filtered by user and kind shows only vic's logins
    loggedIn("vic", "vic-password");
    page.locator("#nav a[data-page=activity]").click();
    page.locator("#activity-filters input[name=user]").fill("vic");
    page.locator("#activity-filters input[name=action]").fill("login");
    page.locator("#activity-filters button[type=submit]").click();
    Locator rows = page.locator(".activity-table tbody tr");
    assertThat(rows.first()).hasAttribute("data-action", "login");
    assertThat(page.locator(".activity-table tbody tr:not([data-username=vic])")).hasCount(0);
    assertThat(page.locator(".activity-table tbody tr:not([data-action=login])")).hasCount(0);
    // a user with no entries: nothing
    page.locator("#activity-filters input[name=user]").fill("nobody-here");
    page.locator("#activity-filters button[type=submit]").click();
    assertThat(rows).hasCount(0);
    assertThat(page.locator("#activity-count")).hasText("0 entries");
    shot(page, "activity");
  }

  @Test
  void aPageFromAnotherBuildIsToldAtConnectAndOffersAReload() {
    Page current = loggedIn("vic", "vic-password");
    // the server tells its build at connect; the same build as the page's: no banner
    assertThat(current.locator("#conn")).hasAttribute("data-state", "connected");

    // a page that came from another build (as if its node was upgraded under it, or it was left open across an upgrade)
    Page old = newPage();
    old.route("**/app/build.js", route -> route.fulfill(new Route.FulfillOptions().setStatus(200)
        .setContentType("text/javascript").setBody("export const BUILD = '0.0.1-old';")));
    old.navigate(base + "/");
    login(old, "vic", "vic-password");
    assertThat(old.locator("#banner")).isVisible();
    assertThat(old.locator("#banner")).containsText("This page is opsbus 0.0.1-old; the server runs " + BuildInfo.version() + " now.");
    assertThat(old.locator("#banner button").first()).hasText("Reload to get version " + BuildInfo.version());
    shot(old, "banner");
    assertThat(current.locator("#banner")).isHidden();
  }
}
