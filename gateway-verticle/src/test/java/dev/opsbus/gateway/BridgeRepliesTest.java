package dev.opsbus.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.PermissionRules;
import dev.opsbus.testkit.Await;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Requests and replies as the stock bridge has them: a send or request to an address clients
 * registered reaches one of them (in turn) with a {@code replyAddress} it may answer once; a reply
 * carries the service's headers, and a reply that expects a reply can be answered.
 */
class BridgeRepliesTest {

  static final Duration WAIT = Duration.ofSeconds(10);
  /** Clients register it and are asked on it (a browser-side service). */
  static final String ASK = "test.ask";
  /** A service on the bus that clients ask. */
  static final String SVC = "test.svc";

  static GatewayHarness gw;
  static String admin;
  static String viewer;

  @BeforeAll
  static void start() {
    List<dev.opsbus.model.PermissionRule> rules = new ArrayList<>(PermissionRules.defaults().rules());
    rules.addAll(PermissionRules.fromJson("""
        {"rules": [
          {"address": "test.ask", "directions": ["subscribe", "send", "request"], "roles": ["admin", "viewer"]},
          {"address": "test.svc", "directions": ["request"], "roles": ["admin", "viewer"]}
        ]}""").rules());
    gw = GatewayHarness.start(c -> c.withNodeValues(c.host(), c.port(), new PermissionRules(rules), c.initialAdminPassword()));
    admin = gw.adminToken();
    viewer = gw.user("rita", List.of("viewer"), List.of());
  }

  @AfterAll
  static void stop() {
    gw.close();
  }

  @BeforeEach
  void noClientLeftOver() {
    Await.until("clients of earlier tests gone", WAIT, () -> stats().getInteger("bridgeSubscriptions") == 0);
  }

  static JsonObject stats() {
    return Await.result(gw.vertx.eventBus().<JsonObject>request(Addresses.NODE_GATEWAY_STATS.format(gw.nodeId), null)).body();
  }

  static void subscribe(BridgeClient client, String address) {
    int before = stats().getInteger("bridgeSubscriptions");
    client.register(address);
    Await.until("subscription to " + address, WAIT, () -> stats().getInteger("bridgeSubscriptions") > before);
  }

  static JsonObject send(String address, Object body, String replyAddress, JsonObject headers) {
    JsonObject f = new JsonObject().put("type", "send").put("address", address).put("body", body);
    if (replyAddress != null) {
      f.put("replyAddress", replyAddress);
    }
    if (headers != null) {
      f.put("headers", headers);
    }
    return f;
  }

  static boolean isRec(JsonObject f, String address) {
    return "rec".equals(f.getString("type")) && address.equals(f.getString("address"));
  }

  @ParameterizedTest
  @EnumSource(BridgeClient.Transport.class)
  void aRequestToAClientAddressReachesOneReceiverInTurnAndItsAnswerComesBack(BridgeClient.Transport transport) {
    try (BridgeClient a = gw.client(transport, admin); BridgeClient b = gw.client(transport, viewer)) {
      subscribe(a, ASK);
      subscribe(b, ASK);
      List<String> answeredBy = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        Future<Message<Object>> answer = gw.vertx.eventBus().request(ASK, new JsonObject().put("q", i),
            new DeliveryOptions().addHeader("trace", "t" + i));
        // exactly one of the two receives it, with a replyAddress and the headers
        JsonObject got = null;
        BridgeClient receiver = null;
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (got == null && System.nanoTime() < deadline) {
          for (BridgeClient c : List.of(a, b)) {
            List<JsonObject> frames = c.drain();
            for (JsonObject f : frames) {
              if (isRec(f, ASK)) {
                assertThat(got).as("a request goes to one receiver").isNull();
                got = f;
                receiver = c;
              }
            }
          }
        }
        assertThat(got).as("request " + i + " delivered").isNotNull();
        assertThat(got.getJsonObject("body").getInteger("q")).isEqualTo(i);
        assertThat(got.getJsonObject("headers").getString("trace")).isEqualTo("t" + i);
        String replyAddress = got.getString("replyAddress");
        assertThat(replyAddress).isNotBlank();
        receiver.send(send(replyAddress, new JsonObject().put("a", i), null, new JsonObject().put("answered", "yes")));
        Message<Object> reply = Await.result(answer, WAIT);
        assertThat(((JsonObject) reply.body()).getInteger("a")).isEqualTo(i);
        assertThat(reply.headers().get("answered")).isEqualTo("yes");
        assertThat(reply.headers().get("opsbus-user")).as("the gateway says who answered").isIn("admin", "rita");
        answeredBy.add(receiver == a ? "a" : "b");
      }
      assertThat(answeredBy).as("round robin between the two connections").containsExactly("a", "b", "a", "b");
      assertThat(a.drain()).noneMatch(f -> isRec(f, ASK));
      assertThat(b.drain()).noneMatch(f -> isRec(f, ASK));
    }
  }

  @ParameterizedTest
  @EnumSource(BridgeClient.Transport.class)
  void aClientRequestToAnotherClientGetsItsAnswerWithHeaders(BridgeClient.Transport transport) {
    try (BridgeClient asker = gw.client(transport, viewer); BridgeClient server = gw.client(transport, admin)) {
      subscribe(server, ASK);
      asker.send(send(ASK, "ping?", "my-reply-1", null));
      JsonObject req = server.next(f -> isRec(f, ASK), WAIT);
      assertThat(req.getString("body")).isEqualTo("ping?");
      assertThat(req.containsKey("headers") && req.getJsonObject("headers").fieldNames().stream().anyMatch(h -> h.startsWith("opsbus-")))
          .as("who asks stays on the bus").isFalse();
      server.send(send(req.getString("replyAddress"), "pong!", null, new JsonObject().put("x-served-by", "server")));
      JsonObject answer = asker.next(f -> isRec(f, "my-reply-1"), WAIT);
      assertThat(answer.getString("body")).isEqualTo("pong!");
      assertThat(answer.getJsonObject("headers").getString("x-served-by")).isEqualTo("server");
    }
  }

  @ParameterizedTest
  @EnumSource(BridgeClient.Transport.class)
  void aReplyAddressIsAnsweredOnceOnlyByTheConnectionGivenIt(BridgeClient.Transport transport) {
    try (BridgeClient receiver = gw.client(transport, admin); BridgeClient other = gw.client(transport, admin)) {
      subscribe(receiver, ASK);
      Future<Message<Object>> answer = gw.vertx.eventBus().request(ASK, "q");
      String replyAddress = receiver.next(f -> isRec(f, ASK), WAIT).getString("replyAddress");
      // another connection may not answer it
      other.send(send(replyAddress, "forged", null, null));
      JsonObject refused = other.nextErr(WAIT);
      assertThat(refused.getString("failureType")).isEqualTo(ErrorCode.ACCESS_DENIED.wireName());
      receiver.send(send(replyAddress, "real", null, null));
      assertThat(Await.result(answer, WAIT).body()).isEqualTo("real");
      // and the receiver only once
      receiver.send(send(replyAddress, "again", null, null));
      assertThat(receiver.nextErr(WAIT).getString("failureType")).isEqualTo(ErrorCode.ACCESS_DENIED.wireName());
      // an address never handed out is refused the same way
      receiver.send(send("__vertx.reply.999999", "guess", null, null));
      assertThat(receiver.nextErr(WAIT).getString("failureType")).isEqualTo(ErrorCode.ACCESS_DENIED.wireName());
    }
  }

  @ParameterizedTest
  @EnumSource(BridgeClient.Transport.class)
  void aServiceReplyCarriesItsHeadersAndMayAskForAReplyInTurn(BridgeClient.Transport transport) {
    CompletableFuture<Object> secondAnswer = new CompletableFuture<>();
    MessageConsumer<Object> svc = gw.vertx.eventBus().consumer(SVC, m ->
        m.replyAndRequest("which one?", new DeliveryOptions().addHeader("x-step", "confirm")).onSuccess(confirm -> {
          secondAnswer.complete(confirm.body());
          confirm.reply(new JsonObject().put("done", confirm.body()), new DeliveryOptions().addHeader("x-step", "done"));
        }));
    Await.result(svc.completion());
    try (BridgeClient c = gw.client(transport, viewer)) {
      c.send(send(SVC, "start", "r-1", null));
      JsonObject question = c.next(f -> isRec(f, "r-1"), WAIT);
      assertThat(question.getString("body")).isEqualTo("which one?");
      assertThat(question.getJsonObject("headers").getString("x-step")).isEqualTo("confirm");
      assertThat(question.getString("replyAddress")).as("the reply expects a reply").isNotBlank();
      c.send(send(question.getString("replyAddress"), "the blue one", "r-2", null));
      JsonObject done = c.next(f -> isRec(f, "r-2"), WAIT);
      assertThat(done.getJsonObject("body").getString("done")).isEqualTo("the blue one");
      assertThat(done.getJsonObject("headers").getString("x-step")).isEqualTo("done");
      assertThat(secondAnswer).isCompletedWithValue("the blue one");
    } finally {
      Await.result(svc.unregister());
    }
  }

  @ParameterizedTest
  @EnumSource(BridgeClient.Transport.class)
  void aPublishStillReachesEveryReceiver(BridgeClient.Transport transport) {
    try (BridgeClient a = gw.client(transport, admin); BridgeClient b = gw.client(transport, viewer)) {
      subscribe(a, ASK);
      subscribe(b, ASK);
      gw.vertx.eventBus().publish(ASK, "all");
      assertThat(a.next(f -> isRec(f, ASK), WAIT).containsKey("replyAddress")).isFalse();
      assertThat(b.next(f -> isRec(f, ASK), WAIT).getString("body")).isEqualTo("all");
    }
  }
}
