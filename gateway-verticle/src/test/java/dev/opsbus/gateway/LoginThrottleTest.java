package dev.opsbus.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.testkit.Await;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The login throttle under attack (issue 11, point 6): parallel guesses are each counted before
 * bcrypt runs, and a lock-out binds the guesser's address, not the user. Every loopback address is
 * this machine, so each test speaks from its own 127.0.0.x, a real source address the gateway sees.
 */
class LoginThrottleTest {

  static GatewayHarness gw;

  @BeforeAll
  static void start() {
    gw = GatewayHarness.start();
  }

  @AfterAll
  static void stop() {
    gw.close();
  }

  static WebClient from(String localAddress, int parallel) {
    return SourceClients.from(gw, localAddress, parallel);
  }

  static Future<HttpResponse<Buffer>> login(WebClient client, String user, String password) {
    return client.post("/api/login").sendJsonObject(new JsonObject().put("username", user).put("password", password));
  }

  @Test
  void sixtyParallelGuessesAtOneUserCountSixty() {
    WebClient attacker = from("127.0.0.21", 60);
    List<Future<HttpResponse<Buffer>>> guesses = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      guesses.add(login(attacker, "admin", "guess-number-" + i));
    }
    Await.result(Future.join(guesses), Duration.ofSeconds(60));
    Map<Integer, Long> byStatus = guesses.stream().map(f -> f.result().statusCode())
        .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    assertThat(byStatus.getOrDefault(401, 0L)).as("guesses that reached bcrypt: %s", byStatus).isLessThanOrEqualTo(10);
    assertThat(byStatus.getOrDefault(429, 0L)).as("guesses refused before bcrypt: %s", byStatus).isGreaterThanOrEqualTo(50);
    assertThat(byStatus.keySet()).containsOnly(401, 429);
    HttpResponse<Buffer> refused = guesses.stream().map(Future::result).filter(r -> r.statusCode() == 429).findFirst().orElseThrow();
    assertThat(refused.bodyAsJsonObject().getString("error")).isEqualTo("rate_limited");
    assertThat(refused.getHeader("Retry-After")).isNotBlank();

    // the right password from the guessing address waits too: the count is spent
    assertThat(Await.result(login(attacker, "admin", GatewayHarness.ADMIN_PASSWORD)).statusCode()).isEqualTo(429);
    attacker.close();
  }

  @Test
  void aStrangerGuessingFromElsewhereCannotLockTheRealUserOut() {
    WebClient stranger = from("127.0.0.22", 1);
    int lastStatus = 0;
    for (int i = 0; i < 20; i++) {
      lastStatus = Await.result(login(stranger, "admin", "not-it-" + i)).statusCode();
    }
    assertThat(lastStatus).as("the stranger is locked out").isEqualTo(429);

    WebClient realAdmin = from("127.0.0.23", 1);
    HttpResponse<Buffer> r = Await.result(login(realAdmin, "admin", GatewayHarness.ADMIN_PASSWORD));
    assertThat(r.statusCode()).as("admin from another address: " + r.bodyAsString()).isEqualTo(200);
    stranger.close();
    realAdmin.close();
  }

  @Test
  void oneAddressSprayingManyUsernamesIsCappedAsAWhole() {
    WebClient sprayer = from("127.0.0.24", 1);
    int refusedAt = -1;
    for (int i = 0; i < 60 && refusedAt < 0; i++) {
      if (Await.result(login(sprayer, "user" + i, "spray-password-1")).statusCode() == 429) {
        refusedAt = i;
      }
    }
    assertThat(refusedAt).as("the per-address cap (50 in a minute)").isEqualTo(50);
    // the cap binds that address only
    assertThat(Await.result(login(from("127.0.0.25", 1), "admin", GatewayHarness.ADMIN_PASSWORD)).statusCode()).isEqualTo(200);
    sprayer.close();
  }

  @Test
  void successfulLoginsDoNotUseUpTheAddressesAllowance() {
    WebClient office = from("127.0.0.26", 1);
    for (int i = 0; i < 60; i++) {
      HttpResponse<Buffer> r = Await.result(login(office, "admin", GatewayHarness.ADMIN_PASSWORD));
      assertThat(r.statusCode()).as("login %d from one busy address", i).isEqualTo(200);
    }
    office.close();
  }
}
