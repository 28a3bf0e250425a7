package dev.opsbus.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.testkit.Await;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The SockJS wire itself, read as bytes: the framing of every transport (including htmlfile and
 * JSONP, which need a browser page to run the real client), session rules, bounded bodies, and the
 * order of the err frame and the close frame when the server closes.
 */
class SockJsProtocolTest {

  static final Duration WAIT = Duration.ofSeconds(15);

  static GatewayHarness gw;
  static HttpClient client;
  static String viewer;

  @BeforeAll
  static void start() {
    TestDatabase.reset();
    // one event loop, so a task run on this Vert.x runs on the gateway's thread; a small queue bound
    gw = GatewayHarness.startOn(Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1)),
        c -> new GatewayConfig(c.nodeId(), c.version(), c.host(), c.port(), c.db(), c.dbPoolSize(), c.rules(), c.allowedOrigins(),
            c.tokenTtl(), c.secureCookie(), c.initialAdminPassword(), c.bridge().withQueueBound(8)));
    client = gw.vertx.createHttpClient();
    viewer = gw.user("vic", List.of("viewer"), List.of("h1"));
  }

  @AfterAll
  static void stop() {
    gw.close();
  }

  /** A failed case may leave its session open: no case starts with another's client. */
  @AfterEach
  void dropLeftOvers() {
    dropAll();
  }

  @BeforeEach
  void noClientLeftOver() {
    Await.until("clients of earlier tests gone", WAIT, () -> BridgeTransportsIT.stats(gw).getInteger("sockJsConnections") == 0);
  }

  static String session() {
    return "/eventbus/" + (int) (Math.random() * 999) + "/" + UUID.randomUUID().toString().substring(0, 8);
  }

  static HttpResponse<Buffer> post(String path, String body) {
    HttpRequest<Buffer> req = gw.http.post(path).bearerTokenAuthentication(viewer);
    return Await.result(body == null ? req.send() : req.putHeader("Content-Type", "text/plain").sendBuffer(Buffer.buffer(body)), WAIT);
  }

  static String poll(String session) {
    HttpResponse<Buffer> r = post(session + "/xhr", null);
    assertThat(r.statusCode()).isEqualTo(200);
    return r.bodyAsString();
  }

  static void xhrSend(String session, JsonObject... frames) {
    JsonArray messages = new JsonArray();
    for (JsonObject f : frames) {
      messages.add(f.encode());
    }
    assertThat(post(session + "/xhr_send", messages.encode()).statusCode()).isEqualTo(204);
  }

  /** The messages of an {@code a[...]} frame, each a bridge frame. */
  static List<JsonObject> messages(String frame) {
    assertThat(frame).startsWith("a[");
    return new JsonArray(frame.trim().substring(1)).stream().map(m -> new JsonObject((String) m)).toList();
  }

  static void dropAll() {
    gw.vertx.runOnContext(v -> gw.gateway.bridge().dropAllConnections("moving clients elsewhere: reconnect"));
  }

  /** A streaming GET; the body so far is read with {@link Stream#awaitContaining}. */
  static final class Stream {
    final StringBuffer body = new StringBuffer();
    final HttpClientResponse response;

    Stream(String uri) {
      this(HttpMethod.GET, uri);
    }

    Stream(HttpMethod method, String uri) {
      // the handler is set by the request's own response callback, on the request's context: its
      // first bytes may come with the headers, and a callback further down a chain could run later
      response = Await.result(client.request(new RequestOptions().setMethod(method).setPort(gw.port()).setHost("localhost")
          .setURI(uri).addHeader("Authorization", "Bearer " + viewer)).compose(req -> {
            req.response().onSuccess(resp -> resp.handler(b -> body.append(b.toString(StandardCharsets.UTF_8))));
            return req.send();
          }), WAIT);
    }

    String awaitContaining(String text) {
      Await.until("'" + text + "' in the stream", WAIT, () -> body.indexOf(text) >= 0);
      return body.toString();
    }
  }

  @Test
  void xhrPollingOpensThenAnswersEachPollWithOneFrame() {
    String s = session();
    assertThat(poll(s)).isEqualTo("o\n");
    xhrSend(s, new JsonObject().put("type", "register").put("address", "no.such.address"));
    List<JsonObject> got = messages(poll(s));
    assertThat(got).singleElement().satisfies(err -> {
      assertThat(err.getString("type")).isEqualTo("err");
      assertThat(err.getString("failureType")).isEqualTo(ErrorCode.UNKNOWN_ADDRESS.wireName());
    });
    dropAll();
  }

  @Test
  void closeOverPollingSendsTheErrOnOnePollThenTheReasonToEveryLaterPoll() {
    String s = session();
    assertThat(poll(s)).isEqualTo("o\n");
    // the client is between polls when the node drops it: nothing may be lost for that
    dropAll();
    Await.until("connection dropped", WAIT, () -> BridgeTransportsIT.stats(gw).getInteger("sockJsConnections") == 0);
    JsonObject err = messages(poll(s)).get(0);
    assertThat(err.getString("failureType")).isEqualTo(ErrorCode.UNAVAILABLE.wireName());
    assertThat(poll(s)).isEqualTo("c[1001,\"unavailable\"]\n");
    // a session closed a moment ago tells every late poll how it ended
    assertThat(poll(s)).isEqualTo("c[1001,\"unavailable\"]\n");
    // and it takes sends without an error status, so a client reads the close frame rather than a send failure
    xhrSend(s, new JsonObject().put("type", "ping"));
  }

  @Test
  void xhrStreamingSendsThePreludeThenFramesAndTheCloseWithItsReason() {
    String s = session();
    Stream stream = new Stream(HttpMethod.POST, s + "/xhr_streaming");
    StringBuffer body = stream.body;
    stream.awaitContaining("o\n");
    assertThat(body.toString()).startsWith("h".repeat(2048) + "\no\n");
    dropAll();
    Await.until("close frame", WAIT, () -> body.indexOf("c[") >= 0);
    String[] lines = body.substring(2049).split("\n");
    assertThat(lines[0]).isEqualTo("o");
    assertThat(messages(lines[1]).get(0).getString("failureType")).isEqualTo("unavailable");
    assertThat(lines[2]).isEqualTo("c[1001,\"unavailable\"]");
  }

  @Test
  void eventSourceEscapesPercentForTheClientsDecodeUri() {
    String s = session();
    Stream es = new Stream(s + "/eventsource");
    assertThat(es.response.getHeader("Content-Type")).startsWith("text/event-stream");
    es.awaitContaining("data: o\r\n\r\n");
    xhrSend(s, new JsonObject().put("type", "register").put("address", "no.such.50%"));
    String body = es.awaitContaining("err");
    assertThat(body).contains("no.such.50%25").doesNotContain("50%\"");
    dropAll();
    es.awaitContaining("data: c[1001,\"unavailable\"]\r\n\r\n");
  }

  @Test
  void htmlFileCallsBackTheParentWithEveryFrameEscapedForTheScript() {
    String s = session();
    Stream page = new Stream(s + "/htmlfile?c=_jp.a1b2");
    assertThat(page.response.getHeader("Content-Type")).startsWith("text/html");
    String start = page.awaitContaining("p(\"o\");");
    assertThat(start).contains("var c = parent._jp.a1b2;");
    assertThat(start.indexOf("<script>\np(\"o\")")).isGreaterThan(1024);
    xhrSend(s, new JsonObject().put("type", "register").put("address", "</script><b>"));
    String body = page.awaitContaining("\\u003e");
    // no message can end the page's script element or its string
    assertThat(body.substring(body.indexOf("p(\"o\")"))).doesNotContain("</script><b>").contains("\\u003c/script\\u003e");
    dropAll();
    page.awaitContaining("p(\"c[1001,\\\"unavailable\\\"]\");");
  }

  @Test
  void htmlFileAndJsonpRefuseAMissingOrUnsafeCallback() {
    String s = session();
    assertThat(Await.result(gw.http.get(s + "/htmlfile").send()).statusCode()).isEqualTo(400);
    assertThat(Await.result(gw.http.get(s + "/jsonp?c=alert(1)").send()).statusCode()).isEqualTo(400);
    assertThat(Await.result(gw.http.get(s + "/jsonp").send()).bodyAsString()).contains("callback");
  }

  @Test
  void jsonpPollsWithTheCallbackAndTakesFormEncodedSends() {
    String s = session();
    HttpResponse<Buffer> open = Await.result(gw.http.get(s + "/jsonp?c=_jp.x9").bearerTokenAuthentication(viewer).send(), WAIT);
    assertThat(open.bodyAsString()).isEqualTo("/**/_jp.x9(\"o\");\r\n");
    assertThat(open.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");
    String frames = new JsonArray().add(new JsonObject().put("type", "register").put("address", "no.such.address").encode()).encode();
    HttpResponse<Buffer> sent = Await.result(gw.http.post(s + "/jsonp_send").bearerTokenAuthentication(viewer)
        .putHeader("Content-Type", "application/x-www-form-urlencoded")
        .sendBuffer(Buffer.buffer("d=" + URLEncoder.encode(frames, StandardCharsets.UTF_8))), WAIT);
    assertThat(sent.statusCode()).isEqualTo(200);
    assertThat(sent.bodyAsString()).isEqualTo("ok");
    String answer = Await.result(gw.http.get(s + "/jsonp?c=_jp.x9").bearerTokenAuthentication(viewer).send(), WAIT).bodyAsString();
    assertThat(answer).startsWith("/**/_jp.x9(\"a[").contains("unknown_address");
    dropAll();
  }

  /** Found by SockJsEnvelopePropertyTest: {@code d=%} threw in the body handler and the request was never answered. */
  @Test
  void aSendWithANegativeContentLengthIsA400() throws Exception {
    String s = session();
    post(s + "/xhr", null); // the session is open
    try (java.net.Socket raw = new java.net.Socket("127.0.0.1", gw.port())) {
      raw.setSoTimeout(10_000);
      raw.getOutputStream().write(("POST " + s + "/xhr_send HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + viewer
          + "\r\nContent-Type: text/plain\r\nContent-Length: -1\r\n\r\n[\"x\"]").getBytes(StandardCharsets.US_ASCII));
      String status = new java.io.BufferedReader(new java.io.InputStreamReader(raw.getInputStream(), StandardCharsets.US_ASCII)).readLine();
      assertThat(status).startsWith("HTTP/1.1 400");
    }
    dropAll();
  }

  @Test
  void aJsonpSendWhoseFormDoesNotPercentDecodeIsA400AndTheSessionServesOn() {
    String s = session();
    assertThat(Await.result(gw.http.get(s + "/jsonp?c=_jp.x9").bearerTokenAuthentication(viewer).send(), WAIT).bodyAsString())
        .isEqualTo("/**/_jp.x9(\"o\");\r\n");
    for (String form : List.of("d=%zz", "d=%", "d=%5B%22x%22%5")) {
      HttpResponse<Buffer> sent = Await.result(gw.http.post(s + "/jsonp_send").bearerTokenAuthentication(viewer)
          .putHeader("Content-Type", "application/x-www-form-urlencoded").sendBuffer(Buffer.buffer(form)), WAIT);
      assertThat(sent.statusCode()).as(form).isEqualTo(400);
      assertThat(sent.bodyAsString()).as(form).contains("percent");
    }
    String frames = new JsonArray().add(new JsonObject().put("type", "register").put("address", "no.such.address").encode()).encode();
    HttpResponse<Buffer> sent = Await.result(gw.http.post(s + "/jsonp_send").bearerTokenAuthentication(viewer)
        .putHeader("Content-Type", "application/x-www-form-urlencoded")
        .sendBuffer(Buffer.buffer("d=" + URLEncoder.encode(frames, StandardCharsets.UTF_8))), WAIT);
    assertThat(sent.bodyAsString()).isEqualTo("ok");
    assertThat(Await.result(gw.http.get(s + "/jsonp?c=_jp.x9").bearerTokenAuthentication(viewer).send(), WAIT).bodyAsString())
        .contains("unknown_address");
    dropAll();
  }

  @Test
  void aSecondReceivingRequestIsToldAnotherIsOpenAndTheFirstCarriesOn() {
    String s = session();
    Stream first = new Stream(s + "/eventsource");
    first.awaitContaining("data: o\r\n\r\n");
    assertThat(poll(s)).isEqualTo("c[2010,\"Another connection still open\"]\n");
    dropAll();
    first.awaitContaining("data: c[1001,\"unavailable\"]");
    assertThat(first.body.toString()).contains("unavailable");
  }

  @Test
  void requestBodiesAreBoundedAndBrokenOnesRefused() {
    assertThat(post(session() + "/xhr_send", "[\"x\"]").statusCode()).as("no such session").isEqualTo(404);
    String s = session();
    assertThat(poll(s)).isEqualTo("o\n");
    assertThat(post(s + "/xhr_send", "[\"unterminated").statusCode()).isEqualTo(400);
    assertThat(post(s + "/xhr_send", "").statusCode()).isEqualTo(400);
    // over twice the frame limit: the receiving side gets too_large, then the close with its reason
    String big = new JsonArray().add("x".repeat(2 * 64 * 1024 + 10)).encode();
    Future<HttpResponse<Buffer>> refused = gw.http.post(s + "/xhr_send").bearerTokenAuthentication(viewer)
        .putHeader("Content-Type", "text/plain").sendBuffer(Buffer.buffer(big));
    JsonObject err = messages(poll(s)).get(0);
    assertThat(err.getString("failureType")).isEqualTo(ErrorCode.TOO_LARGE.wireName());
    assertThat(err.getString("message")).contains("131072");
    assertThat(poll(s)).isEqualTo("c[1009,\"too_large\"]\n");
    // a client still waiting on its send after that gets the refusal as an HTTP status too
    HttpResponse<Buffer> answer = Await.result(refused, WAIT);
    assertThat(answer.statusCode()).isEqualTo(413);
    assertThat(answer.bodyAsString()).contains("over the limit");
  }

  @Test
  void infoAndIframePageAreServedForTheClient() {
    HttpResponse<Buffer> info = Await.result(gw.http.get("/eventbus/info").putHeader("Origin", "http://console.example").send());
    assertThat(info.bodyAsJsonObject().getBoolean("websocket")).isTrue();
    // a load balancer sticks the polling transports on the affinity cookie
    assertThat(info.bodyAsJsonObject().getBoolean("cookie_needed")).isTrue();
    String cookie = info.cookies().stream().filter(c -> c.startsWith("JSESSIONID=")).findFirst().orElseThrow();
    assertThat(cookie).contains("Path=/").containsIgnoringCase("HttpOnly");
    String value = cookie.substring("JSESSIONID=".length(), cookie.indexOf(';'));
    HttpResponse<Buffer> echoed = Await.result(gw.http.get("/eventbus/info").putHeader("Cookie", "JSESSIONID=" + value).send());
    assertThat(echoed.cookies()).anyMatch(c -> c.startsWith("JSESSIONID=" + value + ";"));
    HttpResponse<Buffer> other = Await.result(gw.http.get("/eventbus/info").send());
    assertThat(other.cookies()).noneMatch(c -> c.startsWith("JSESSIONID=" + value + ";"));
    assertThat(info.getHeader("Access-Control-Allow-Origin")).isEqualTo("http://console.example");
    assertThat(info.getHeader("Access-Control-Allow-Credentials")).isEqualTo("true");

    HttpResponse<Buffer> iframe = Await.result(gw.http.get("/eventbus/iframe-1.6.1.html").send());
    assertThat(iframe.bodyAsString()).contains("/app/lib/sockjs-client/dist/sockjs.min.js").contains("SockJS.bootstrap_iframe()");
    assertThat(iframe.getHeader("Content-Security-Policy")).isEqualTo("frame-ancestors 'self' http://console.example");
    HttpResponse<Buffer> again = Await.result(gw.http.get("/eventbus/iframe.html").putHeader("If-None-Match", iframe.getHeader("ETag")).send());
    assertThat(again.statusCode()).isEqualTo(304);

    assertThat(Await.result(gw.http.get("/eventbus/info").putHeader("Origin", "http://evil.example").send()).statusCode())
        .as("foreign origins are refused before SockJS").isEqualTo(403);
  }

  @Test
  void pollingClientThatStopsPollingIsCutWithSlowConsumerAndReadsWhy() {
    String s = session();
    assertThat(poll(s)).isEqualTo("o\n");
    xhrSend(s, new JsonObject().put("type", "register").put("address", Addresses.OPS_UPDATES_HOST.format("h1")));
    Await.until("subscribed", WAIT, () -> BridgeTransportsIT.stats(gw).getInteger("bridgeSubscriptions") == 1);
    String pad = "p".repeat(1024);
    for (int i = 1; i <= 200; i++) {
      gw.vertx.eventBus().publish(Addresses.OPS_UPDATES_HOST.format("h1"), new JsonObject().put("seq", i).put("pad", pad));
    }
    Await.until("slow consumer cut", WAIT, () -> BridgeTransportsIT.stats(gw).getInteger("sockJsConnections") == 0);
    // what it had been sent comes first, in order, over as many polls as it takes, then why it was cut
    List<JsonObject> got = new java.util.ArrayList<>();
    while (got.isEmpty() || !"err".equals(got.get(got.size() - 1).getString("type"))) {
      assertThat(got.size()).as("polls never reached the err frame").isLessThan(200);
      got.addAll(messages(poll(s)));
    }
    for (int i = 0; i < got.size() - 1; i++) {
      assertThat(got.get(i).getJsonObject("body").getInteger("seq")).isEqualTo(i + 1);
    }
    assertThat(got.get(got.size() - 1).getString("failureType")).isEqualTo(ErrorCode.SLOW_CONSUMER.wireName());
    assertThat(poll(s)).isEqualTo("c[1013,\"slow_consumer\"]\n");
  }

  @Test
  void sockJsWebSocketThatStopsReadingIsCutWithSlowConsumerAndItsReason() {
    try (BridgeClient slow = gw.client(BridgeClient.Transport.SOCKJS, viewer)) {
      slow.register(Addresses.OPS_UPDATES_HOST.format("h1"));
      Await.until("subscribed", WAIT, () -> BridgeTransportsIT.stats(gw).getInteger("bridgeSubscriptions") == 1);
      slow.socket().pause();
      String pad = "p".repeat(8 * 1024);
      int seq = 0;
      while (BridgeTransportsIT.stats(gw).getInteger("sockJsConnections") > 0) {
        assertThat(seq).as("slow consumer never cut off").isLessThan(50_000);
        for (int i = 0; i < 50; i++) {
          gw.vertx.eventBus().publish(Addresses.OPS_UPDATES_HOST.format("h1"), new JsonObject().put("seq", ++seq).put("pad", pad));
        }
      }
      slow.socket().resume();
      assertThat(slow.nextErr(WAIT).getString("failureType")).isEqualTo(ErrorCode.SLOW_CONSUMER.wireName());
      Await.until("socket closed", WAIT, slow::isClosed);
      assertThat((int) slow.closeStatus()).isEqualTo(1013);
      assertThat(slow.closeReason()).isEqualTo("slow_consumer");
    }
  }
}
