package dev.opsbus.node;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.APIRequestContext;
import com.microsoft.playwright.APIResponse;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's live connection outlives its tokens: with a token lifetime of 20 s, pages over the
 * SockJS websocket and over xhr-streaming (no WebSocket in the browser) stay open past several
 * expiries, renewing the token on the open connection, and never reconnect. Also: errors said once
 * (inline, not again as a toast) and operation failures in words without their codes. Headless
 * Chromium as in {@link ConsoleBrowserIT}; screenshots in target/screenshots.
 */
class ConsoleTokenRenewalIT {

  static final String ADMIN_PASSWORD = "renewal-admin-password";
  static final Duration TOKEN_TTL = Duration.ofSeconds(20);
  static final double WAIT_MS = 20_000;
  static final String NO_WEBSOCKET = ConsoleWithoutWebSocketIT.NO_WEBSOCKET;

  @TempDir
  static Path dataDir;

  static ConsoleFixture fx;
  static OpsbusNode node;
  static String base;
  static APIRequestContext adminApi;

  @BeforeAll
  static void start() throws Exception {
    fx = ConsoleFixture.start("renewal", dataDir, ADMIN_PASSWORD, b -> b.demo(true).tokenTtl(TOKEN_TTL));
    node = fx.node;
    base = fx.base;
    adminApi = fx.adminApi;
    APIResponse r = adminApi.post("/api/users", RequestOptions.create().setHeader("Authorization", "Bearer " + adminToken())
        .setData(Map.of("username", "wendy", "password", "wendy-password", "roles", List.of("operator"), "hosts", List.of())));
    assertThat(r.status()).as(r.text()).isIn(201, 409);
  }

  /** A fresh admin token: the tokens of this node live 20 s. */
  static String adminToken() {
    APIResponse login = adminApi.post("/api/login", RequestOptions.create().setData(Map.of("username", "admin", "password", ADMIN_PASSWORD)));
    assertThat(login.status()).as(login.text()).isEqualTo(200);
    return new JsonObject(login.text()).getString("token");
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

  Page newPage(String initScript) {
    return fx.newPage(initScript);
  }

  Page loggedIn(String user, String password, String initScript) {
    return fx.loggedIn(user, password, initScript);
  }

  void shot(Page page, String what) {
    fx.shot(page, what);
  }

  static int samples(Page page) {
    return Integer.parseInt(page.locator("#nodes-card tr[data-node-id='" + node.nodeId() + "']").getAttribute("data-samples"));
  }

  @Test
  void theLiveConnectionOutlivesSeveralTokenExpiriesWithoutAReconnect() {
    Page ws = loggedIn("admin", ADMIN_PASSWORD, null);
    Page xhr = loggedIn("admin", ADMIN_PASSWORD, NO_WEBSOCKET);
    assertThat(xhr.evaluate("() => window.opsbus.bus.eb.sockJSConn.transport")).isEqualTo("xhr-streaming");
    assertThat(ws.evaluate("() => window.opsbus.bus.eb.sockJSConn.transport")).isEqualTo("websocket");
    String firstExpiry = (String) ws.evaluate("() => window.opsbus.me.expiresAt");

    // metrics.node comes every 2 s: 40 more samples take 80 s, four token lifetimes
    double longWait = TOKEN_TTL.toMillis() * 6.0;
    for (Page page : List.of(ws, xhr)) {
      page.waitForFunction("id => +document.querySelector(`#nodes-card tr[data-node-id='${id}']`)?.dataset.samples >= 1", node.nodeId());
    }
    int from = samples(ws);
    ws.waitForFunction("([id, n]) => +document.querySelector(`#nodes-card tr[data-node-id='${id}']`).dataset.samples >= n",
        List.of(node.nodeId(), from + 40), new Page.WaitForFunctionOptions().setTimeout(longWait));

    for (Page page : List.of(ws, xhr)) {
      assertThat(page.locator("#conn")).hasAttribute("data-state", "connected");
      assertThat(page.evaluate("() => window.opsbus.bus.opens")).as("connections opened: the first one never dropped").isEqualTo(1);
      assertThat(((Number) page.evaluate("() => window.opsbus.bus.renewals")).intValue()).as("tokens handed over on the open connection")
          .isGreaterThanOrEqualTo(4);
      assertThat(page.locator("#toasts .toast.error")).hasCount(0);
    }
    assertThat((String) ws.evaluate("() => window.opsbus.me.expiresAt")).isNotEqualTo(firstExpiry);
    // the xhr-streaming page still gets live samples after the last expiry too
    int xhrNow = samples(xhr);
    xhr.waitForFunction("([id, n]) => +document.querySelector(`#nodes-card tr[data-node-id='${id}']`).dataset.samples >= n",
        List.of(node.nodeId(), xhrNow + 2));
    shot(ws, "websocket");
    shot(xhr, "xhr-streaming");
  }

  @Test
  void aRefusedJoinIsSaidOnceAndOperationFailuresReadWithoutTheirCodes() {
    APIResponse opened = adminApi.post("/api/hosts/demo/terminals", RequestOptions.create()
        .setHeader("Authorization", "Bearer " + adminToken()).setData(Map.of("cols", 80, "rows", 24)));
    assertThat(opened.status()).as(opened.text()).isIn(200, 201);
    String sid = new JsonObject(opened.text()).getString("sessionId");

    // wendy is granted no host: the join is refused, said in the terminal's status line and nowhere else
    Page page = loggedIn("wendy", "wendy-password", null);
    page.navigate(base + "/#/terminal/" + sid + "/write");
    assertThat(page.locator("#term-state")).hasAttribute("data-state", "closed");
    assertThat(page.locator("#term-state")).containsText("permission");
    assertThat(page.locator("#toasts .toast")).hasCount(0);
    shot(page, "refused-join");

    // operation failures: the sentence and the server's detail, never "node lost: node_lost: ..."
    @SuppressWarnings("unchecked")
    List<String> said = (List<String>) page.evaluate("async () => { const e = await import('/app/errors.js'); return ["
        + "e.describeFailure({status: 'failed', message: 'node lost', error: 'node_lost: node n1 that ran it stopped responding', metadata: {reason: 'node_lost'}}),"
        + "e.describeFailure({status: 'failed', message: 'node lost', error: 'node_lost: node n1 that ran it stopped responding'}),"
        + "e.describeFailure({status: 'failed', message: 'run lost', error: 'run_lost: node n1 owns it but holds no run of it any more', metadata: {reason: 'run_lost'}}),"
        + "e.describeFailure({status: 'failed', message: 'disk check', error: 'disk_full: / is 99% full'}),"
        + "e.describeFailure({status: 'failed', message: 'exit 2', error: 'command exited with 2'})]; }");
    assertThat(said.get(0)).startsWith("The node that ran it stopped responding").contains("(node n1 that ran it stopped responding)");
    assertThat(said.get(1)).isEqualTo(said.get(0));
    assertThat(said.get(2)).startsWith("The node that owns it no longer runs it").contains("(node n1 owns it");
    assertThat(said.get(3)).isEqualTo("disk check: / is 99% full");
    assertThat(said.get(4)).isEqualTo("exit 2: command exited with 2");
    assertThat(said).noneMatch(s -> s.contains("node_lost") || s.contains("run_lost") || s.contains("disk_full"));
  }
}
