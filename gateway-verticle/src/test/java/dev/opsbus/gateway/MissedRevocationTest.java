package dev.opsbus.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.testkit.Await;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Revocation still bites when the {@code users.revoked} message never arrives (another node raised
 * the version while this one was cut off): the periodic re-read of the versions of users with an
 * open socket closes the socket within 5 s, and HTTP follows within the cache's TTL.
 */
class MissedRevocationTest {

  static final Duration BOUND = Duration.ofSeconds(5);

  @Test
  void aVersionRaisedBehindTheGatewaysBackStillClosesTheSocketWithinFiveSeconds() throws Exception {
    try (GatewayHarness gw = GatewayHarness.start()) {
      String token = gw.user("mia", List.of("viewer"), List.of("h1"));
      try (BridgeClient c = gw.client(BridgeClient.Transport.RAW, token)) {
        c.register(Addresses.OPS_UPDATES_HOST.format("h1"));
        // what another node would do: raise the version in the database, and its message is lost
        try (Connection db = TestDatabase.start().getPostgresDatabase().getConnection(); Statement st = db.createStatement()) {
          st.execute("UPDATE users SET token_version = token_version + 1 WHERE username = 'mia'");
        }
        JsonObject err = c.next(f -> "err".equals(f.getString("type")), BOUND);
        assertThat(err.getString("failureType")).as(err.encode()).isEqualTo(ErrorCode.TOKEN_REVOKED.wireName());
        Await.until("the socket closed", BOUND, c::isClosed);
        assertThat(c.closeStatus()).isEqualTo((short) 1008);
      }
      HttpResponse<Buffer> me = Await.result(gw.http.get("/api/me").bearerTokenAuthentication(token).send());
      assertThat(me.statusCode()).isEqualTo(401);
      assertThat(me.bodyAsJsonObject().getString("error")).isEqualTo(ErrorCode.TOKEN_REVOKED.wireName());
    }
  }
}
