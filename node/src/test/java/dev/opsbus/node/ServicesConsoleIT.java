package dev.opsbus.node;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.APIResponse;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.RequestOptions;
import dev.opsbus.gateway.servicekeys.ServiceSettings;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15 in a real browser (Chromium): what the stdlib Python example publishes over the TCP
 * bridge with a service key shows on the console, and a notification sent while its user was
 * offline is counted on the bell after login and listed under it.
 */
class ServicesConsoleIT {

  static final String ADMIN_PASSWORD = "services-admin-password";

  @TempDir
  static Path dataDir;

  static ConsoleFixture fx;

  @BeforeAll
  static void start() throws Exception {
    fx = ConsoleFixture.start("services", dataDir, ADMIN_PASSWORD,
        b -> b.verticles(VerticleKind.GATEWAY).gateway(b.gateway().withServices(ServiceSettings.defaults().withTcpBridgePort(0))));
    for (String u : List.of("olga", "piet")) {
      APIResponse r = fx.adminApi.post("/api/users", RequestOptions.create().setData(Map.of("username", u, "password", u + "-password",
          "roles", List.of("viewer"), "hosts", List.of())));
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

  Page loggedIn(String user) {
    return fx.loggedIn(user, user + "-password");
  }

  @Test
  void whatThePythonExamplePublishesOverTheTcpBridgeShowsInTheBrowser() throws Exception {
    APIResponse made = fx.adminApi.post("/api/service-keys", RequestOptions.create().setData(Map.of("name", "status-feeder",
        "roles", List.of("service"), "grants", Map.of("publish", List.of("status.server")))));
    assertThat(made.status()).as(made.text()).isEqualTo(201);
    String secret = new JsonObject(made.text()).getString("secret");

    Page page = loggedIn("olga");
    assertThat(page.locator("#server-status")).containsText("waiting");
    ProcessBuilder pb = new ProcessBuilder("python3", Path.of("..", "docs", "examples", "tcp_bridge_publish.py").toAbsolutePath().toString(),
        "127.0.0.1", String.valueOf(fx.node.gateway().tcpBridgePort()), "status.server",
        "{\"status\":\"degraded\",\"message\":\"maintenance announced by python\"}").redirectErrorStream(true);
    pb.environment().put("OPSBUS_KEY", secret);
    Process py = pb.start();
    assertThat(py.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(new String(py.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).contains("published to status.server");
    assertThat(page.locator("#server-status")).containsText("maintenance announced by python");
  }

  @Test
  void aNotificationSentWhileTheUserWasOfflineIsOnTheBellAfterLogin() {
    APIResponse sent = fx.adminApi.post("/api/bus/request", RequestOptions.create().setData(Map.of("address", "notifications.send",
        "body", Map.of("username", "piet", "title", "certificate renewed", "text", "web-1 until 2027", "level", "info"))));
    assertThat(sent.status()).as(sent.text()).isEqualTo(200);

    Page page = loggedIn("piet");
    assertThat(page.locator("#bell .count")).hasText("1");
    page.locator("#bell").click();
    assertThat(page.locator("#notifications")).containsText("certificate renewed");
    assertThat(page.locator("#bell .count")).isHidden();

    // one that arrives while logged in pops up as a toast and counts again
    APIResponse live = fx.adminApi.post("/api/bus/request", RequestOptions.create().setData(Map.of("address", "notifications.send",
        "body", Map.of("username", "piet", "title", "backup finished"))));
    assertThat(live.status()).as(live.text()).isEqualTo(200);
    assertThat(page.locator("#toasts")).containsText("backup finished");
    assertThat(page.locator("#bell .count")).hasText("1");
  }
}
