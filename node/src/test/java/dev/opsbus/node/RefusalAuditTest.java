package dev.opsbus.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.gateway.bridge.BridgeLimits;
import dev.opsbus.testkit.Await;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, points 4 and 8: every refused bridge frame used to write an activity row and a log line,
 * so one client could fill the disk. Refusals are now written per connection, code and window: ten
 * thousand refused frames from one socket are a handful of rows in the real database, whose counts
 * add up to every refusal; and a refused address holding NUL is written (escaped), not lost.
 */
class RefusalAuditTest {

  static final Duration WAIT = Duration.ofSeconds(60);
  static final int FRAMES = 10_000;

  @TempDir
  static Path dataDir;

  static OpsbusNode node;
  static NodeClient http;
  static String flooder;

  @BeforeAll
  static void start() throws Exception {
    TestDatabase.reset();
    // a rate limit this high lets every frame through to be refused for what it is
    node = OpsbusNode.start(NodeSettings.builder().httpPort(0).httpHost("127.0.0.1").pgUrl(TestDatabase.url()).dataDir(dataDir)
        .verticles(VerticleKind.GATEWAY, VerticleKind.OPERATIONS).adminPassword("audit-admin-pw")
        .bridge(BridgeLimits.defaults().withRate(1_000_000, 1_000_000)).build());
    http = new NodeClient(node.httpPort());
    flooder = http.user(http.login("admin", "audit-admin-pw"), "flo", List.of("viewer"), List.of("h1"));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  record Row(String address, String code, String message, JsonObject data) {
    long refusals() {
      return data.getLong("count", 1L);
    }
  }

  static List<Row> rowsOf(String username) {
    List<Row> rows = new ArrayList<>();
    try (Connection c = TestDatabase.start().getPostgresDatabase().getConnection(); Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT address, code, message, data::text FROM activity WHERE action = 'access_denied' AND username = '"
             + username + "' ORDER BY seq")) {
      while (rs.next()) {
        rows.add(new Row(rs.getString(1), rs.getString(2), rs.getString(3), new JsonObject(rs.getString(4))));
      }
    } catch (java.sql.SQLException e) {
      throw new AssertionError("reading the activity table failed", e);
    }
    return rows;
  }

  @Test
  void tenThousandRefusedFramesFromOneSocketAreAHandfulOfRowsThatCountThemAll() throws Exception {
    try (NodeClient.Bridge socket = http.bridge(flooder)) {
      // first a NUL-bearing address: PostgreSQL refuses NUL in text, so it used to be dropped
      socket.send(new JsonObject().put("type", "send").put("address", "evil\u0000address"));
      for (int i = 1; i < FRAMES; i++) {
        switch (i % 3) {
          case 0 -> socket.send(new JsonObject());
          case 1 -> socket.send(new JsonObject().put("type", "send").put("address", "no.such.address." + (i % 7)));
          default -> socket.send(new JsonObject().put("type", "register").put("address", "ops.updates.host.not-granted"));
        }
      }
      // every frame was answered with its err frame: all were refused
      for (int i = 0; i < FRAMES; i++) {
        assertThat(socket.next(f -> "err".equals(f.getString("type")), WAIT)).isNotNull();
      }
    }
    // the socket closed: its open windows are written; every refusal is counted in some row
    Await.until("all " + FRAMES + " refusals in the activity log", WAIT,
        () -> rowsOf("flo").stream().mapToLong(Row::refusals).sum() == FRAMES);
    List<Row> rows = rowsOf("flo");
    assertThat(rows).as("three codes: the first of each at once, the rest as one count").hasSizeLessThanOrEqualTo(6);
    assertThat(rows).extracting(Row::code).containsOnly("unknown_address", "invalid_frame", "access_denied");
    Row nul = rows.get(0);
    assertThat(nul.address()).isEqualTo("evil\\u0000address");
    assertThat(nul.code()).isEqualTo("unknown_address");
    Row flood = rows.stream().filter(r -> r.data().containsKey("count") && "unknown_address".equals(r.code())).findFirst().orElseThrow();
    assertThat(flood.message()).contains("more refusals of code unknown_address").contains("no.such.address.");
    assertThat(flood.data().getJsonArray("addresses").size()).isBetween(1, 5);
  }
}
