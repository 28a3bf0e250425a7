package dev.opsbus.gateway;

import dev.opsbus.testkit.TestSecrets;
import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.BusIdentity;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.Json;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.Principal;
import dev.opsbus.model.Role;
import dev.opsbus.model.hosts.HostConnection;
import dev.opsbus.model.hosts.HostRecord;
import dev.opsbus.model.hosts.HostsClient;
import dev.opsbus.model.secret.CredentialCipher;
import dev.opsbus.testkit.Await;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gateway as owner of the hosts table, answering the other verticles: a host created over the
 * API reads the same on {@code hosts.get} and {@code hosts.list}, its secret leaves only sealed on
 * {@code hosts.connection}, and neither users nor bridge clients reach any of it.
 */
class HostServiceTest {

  static final Duration WAIT = Duration.ofSeconds(10);
  static GatewayHarness gw;
  static String admin;
  static HostsClient hosts;
  static final List<String> traffic = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    gw = GatewayHarness.start();
    admin = gw.adminToken();
    hosts = new HostsClient(gw.vertx);
    gw.vertx.eventBus().addOutboundInterceptor(ctx -> {
      traffic.add(ctx.message().address() + " " + ctx.body());
      ctx.next();
    });
    HttpResponse<Buffer> r = Await.result(gw.http.post("/api/hosts").bearerTokenAuthentication(admin).sendJsonObject(new JsonObject()
        .put("id", "svc-1").put("address", "10.0.0.7").put("port", 2200).put("username", "ops").put("password", "svc-s3cret")
        .put("logs", new JsonArray().add(new JsonObject().put("stream", "app").put("path", "/var/log/app.log")))));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
  }

  @AfterAll
  static void stop() {
    gw.close();
  }

  private static ErrorCode failure(Future<?> f) {
    Throwable cause;
    try {
      f.toCompletionStage().toCompletableFuture().get(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
      throw new AssertionError("succeeded; a refusal was expected");
    } catch (java.util.concurrent.ExecutionException e) {
      cause = e.getCause();
    } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
      throw new AssertionError("no answer within " + WAIT, e);
    }
    if (cause instanceof OpsbusException oe) {
      return oe.code();
    }
    if (cause instanceof ReplyException re) {
      return ErrorCode.fromFailureCode(re.failureCode());
    }
    throw new AssertionError("failed, but without a code: " + cause, cause);
  }

  @Test
  void hostsGetAnswersWhatTheApiShowsAndNotFoundForAnUnknownHost() {
    JsonObject api = Await.result(gw.http.get("/api/hosts/svc-1").bearerTokenAuthentication(admin).send()).bodyAsJsonObject();

    HostRecord h = Await.result(hosts.get("svc-1"), WAIT);

    assertThat(Json.toJsonObject(h)).isEqualTo(api);
    assertThat(h.address()).isEqualTo("10.0.0.7");
    assertThat(h.port()).isEqualTo(2200);
    assertThat(h.logs()).containsExactly(new HostRecord.LogSpec("app", "/var/log/app.log"));
    assertThat(Await.result(hosts.exists("svc-1"), WAIT)).isTrue();
    assertThat(Await.result(hosts.exists("nope"), WAIT)).isFalse();
    assertThat(failure(hosts.get("nope"))).isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(failure(gw.vertx.eventBus().request(Addresses.HOSTS_GET, new JsonObject())))
        .isEqualTo(ErrorCode.INVALID_REQUEST);
  }

  @Test
  void hostsListHoldsEveryHostWithoutASecret() {
    List<HostRecord> all = Await.result(hosts.list(), WAIT);

    assertThat(all).extracting(HostRecord::id).contains("svc-1");
    assertThat(traffic).filteredOn(t -> t.contains("svc-1")).noneMatch(t -> t.contains("svc-s3cret"));
  }

  @Test
  void hostsConnectionGivesTheSecretSealedWithTheClusterKeyAndNeverInClear() {
    traffic.clear();

    HostConnection c = Await.result(hosts.connection("svc-1"), WAIT);

    assertThat(c.host().id()).isEqualTo("svc-1");
    assertThat(c.sealedSecret()).startsWith("v1:").doesNotContain("svc-s3cret");
    // sealed with the gateway's credentials key (from its config, never from the database)
    assertThat(new CredentialCipher(TestSecrets.CREDENTIALS_KEY).decrypt(c.sealedSecret())).isEqualTo("svc-s3cret");
    assertThat(traffic).as("the reply went over the bus").anyMatch(t -> t.contains(c.sealedSecret()));
    assertThat(traffic).noneMatch(t -> t.contains("svc-s3cret"));
    assertThat(failure(hosts.connection("nope"))).isEqualTo(ErrorCode.NOT_FOUND);
  }

  @Test
  void aRequestCarryingAUsersIdentityNeverGetsTheSealedSecret() {
    DeliveryOptions asAdmin = BusIdentity.stamp(new DeliveryOptions(), new Principal("admin", Set.of(Role.ADMIN), Set.of("*"), null));

    assertThat(failure(gw.vertx.eventBus().request(Addresses.HOSTS_CONNECTION, new JsonObject().put("hostId", "svc-1"), asAdmin)))
        .isEqualTo(ErrorCode.ACCESS_DENIED);
  }

  @Test
  void aBridgeClientCannotReachTheHostsAddressesEvenAsAdmin() {
    try (BridgeClient c = gw.client(BridgeClient.Transport.RAW, admin)) {
      for (String address : List.of(Addresses.HOSTS_CONNECTION, Addresses.HOSTS_GET, Addresses.HOSTS_LIST)) {
        c.send(new JsonObject().put("type", "send").put("address", address).put("replyAddress", "r-" + address)
            .put("body", new JsonObject().put("hostId", "svc-1")));
        JsonObject err = c.nextErr(WAIT);
        assertThat(err.getString("failureType")).as(address).isEqualTo(ErrorCode.UNKNOWN_ADDRESS.wireName());
      }
      c.register(Addresses.HOSTS_CHANGED);
      assertThat(c.nextErr(WAIT).getString("failureType")).isEqualTo(ErrorCode.UNKNOWN_ADDRESS.wireName());
    }
    assertThat(traffic).noneMatch(t -> t.contains("svc-s3cret"));
  }
}
