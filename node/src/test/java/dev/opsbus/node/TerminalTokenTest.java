package dev.opsbus.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A terminal WebSocket lives by its token, as a bridge connection does: it ends with {@code
 * token_expired} when the token runs out (issue 11: typing still ran commands after the token
 * expired), unless the browser renews it on the open socket with {@code {"type":"token"}}.
 * Tokens here live 16 s.
 */
class TerminalTokenTest {

  static final Duration WAIT = Duration.ofSeconds(20);
  static final Duration TTL = Duration.ofSeconds(16);
  static final String ADMIN_PASSWORD = "terminal-token-admin-pw";

  @TempDir
  static Path dataDir;

  static OpsbusNode node;
  static Vertx client;
  static NodeClient api;

  @BeforeAll
  static void start() throws Exception {
    TestDatabase.reset();
    node = OpsbusNode.start(NodeSettings.builder().httpPort(0).httpHost("127.0.0.1").pgUrl(TestDatabase.url()).dataDir(dataDir)
        .demo(true).adminPassword(ADMIN_PASSWORD).tokenTtl(TTL).build());
    client = Vertx.vertx();
    api = new NodeClient(node.httpPort());
  }

  @AfterAll
  static void stop() throws Exception {
    client.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    node.close();
  }

  @Test
  void aTerminalSocketEndsAtItsTokensExpiryUnlessRenewedOnTheSocket() throws Exception {
    NodeClient.Answer login = api.post("/api/login", new JsonObject().put("username", "admin").put("password", ADMIN_PASSWORD), null);
    String first = login.json().getString("token");
    Instant firstExpires = Instant.parse(login.json().getString("expiresAt"));
    NodeClient.Answer opened = api.post("/api/hosts/demo/terminals", new JsonObject().put("cols", 100).put("rows", 30), first);
    assertThat(opened.status()).as(opened.body()).isEqualTo(201);
    String sid = opened.json().getString("sessionId");
    try (TermClient kept = TermClient.connect(client, node.httpPort(), sid, first);
         TermClient renewed = TermClient.connect(client, node.httpPort(), sid, first)) {
      kept.attached(WAIT);
      renewed.attached(WAIT);
      // the user works for half the token's life, then the console refreshes its token
      Thread.sleep(Math.max(0, Duration.between(Instant.now(), firstExpires.minus(TTL.dividedBy(2))).toMillis()));
      NodeClient.Answer refreshed = api.post("/api/token/refresh", new JsonObject(), first);
      assertThat(refreshed.status()).as(refreshed.body()).isEqualTo(200);
      String second = refreshed.json().getString("token");

      // a renewal that is not the user's, or no token, changes nothing and says why
      renewed.send(new JsonObject().put("type", "token").put("token", "not-a-token"));
      assertThat(renewed.awaitControl(c -> "error".equals(c.getString("type")), WAIT).getString("code")).isEqualTo("invalid_token");
      String other = api.user(second, "tess", List.of("operator"), List.of("demo"));
      renewed.send(new JsonObject().put("type", "token").put("token", other));
      assertThat(renewed.awaitControl(c -> "error".equals(c.getString("type")) && "access_denied".equals(c.getString("code")), WAIT)
          .getString("message")).contains("cannot change user");

      renewed.send(new JsonObject().put("type", "token").put("token", second));
      JsonObject ack = renewed.awaitControl(c -> "token".equals(c.getString("type")), WAIT);
      assertThat(Instant.parse(ack.getString("expiresAt"))).isEqualTo(Instant.parse(refreshed.json().getString("expiresAt")));

      // the socket left on the first token ends when it runs out, with the reason
      JsonObject why = kept.awaitControl(c -> "error".equals(c.getString("type")), WAIT);
      assertThat(why.getString("code")).isEqualTo("token_expired");
      kept.awaitClosed(WAIT);
      assertThat(kept.closeReason()).isEqualTo("token_expired");

      // the renewed one carries on past that moment, then ends at its own token's expiry
      assertThat(renewed.isClosed()).isFalse();
      renewed.type("echo still-$((40+2))\r");
      renewed.awaitLine("still-42", WAIT);
      assertThat(renewed.awaitControl(c -> "token_expired".equals(c.getString("code")), WAIT)).isNotNull();
      renewed.awaitClosed(WAIT);
    }
  }
}
