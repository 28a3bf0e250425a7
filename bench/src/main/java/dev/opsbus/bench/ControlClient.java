package dev.opsbus.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

/** The generator's side of the bench control API, and the opsbus login that yields a bearer token. */
final class ControlClient {

  private static final int CONNECT_TIMEOUT_MILLIS = 10_000;

  private final HttpClient http;
  private final String base;

  ControlClient(Vertx vertx, String base) {
    // a connection per call: a POST sent on a kept-alive connection right after a GET's answer got no
    // answer now and then (BenchSmokeIT's log-lines start; ControlClientTest once in CI, not here), and
    // control calls are a handful per point, outside every measured window: a fresh loopback connection
    // costs nothing measurable
    this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(CONNECT_TIMEOUT_MILLIS).setKeepAlive(false));
    this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
  }

  Future<JsonObject> start(double rate, int size, double durationSeconds) {
    return call(HttpMethod.POST, base + "/bench/start?rate=" + rate + "&size=" + size + "&duration=" + durationSeconds, null);
  }

  Future<JsonObject> stop() {
    return call(HttpMethod.POST, base + "/bench/stop", null);
  }

  Future<JsonObject> stats(boolean gc) {
    return call(HttpMethod.GET, base + "/bench/stats" + (gc ? "?gc=true" : ""), null);
  }

  /** The log-lines scenario on the opsbus bench server: lines/s, line size, seconds, batched or one line per message. */
  Future<JsonObject> logStart(double rate, int size, double durationSeconds, boolean batched) {
    return call(HttpMethod.POST, base + LogLinePublisher.PREFIX + "start?rate=" + rate + "&size=" + size + "&duration="
        + durationSeconds + "&batch=" + batched, null);
  }

  Future<JsonObject> logStats() {
    return call(HttpMethod.GET, base + LogLinePublisher.PREFIX + "stats", null);
  }

  Future<JsonObject> logStop() {
    return call(HttpMethod.POST, base + LogLinePublisher.PREFIX + "stop", null);
  }

  Future<JsonObject> clock() {
    return call(HttpMethod.GET, base + "/bench/clock", null);
  }

  /** {@code POST loginUrl {username, password}} and returns the {@code token} of the answer. */
  Future<String> login(String loginUrl, String username, String password) {
    JsonObject body = new JsonObject().put("username", username).put("password", password);
    return call(HttpMethod.POST, loginUrl, body).map(json -> {
      String token = json.getString("token");
      if (token == null) {
        throw new IllegalStateException("login answer has no token");
      }
      return token;
    });
  }

  private Future<JsonObject> call(HttpMethod method, String url, JsonObject body) {
    // a request that never went out (no connection within the timeout, or one closed as it was
    // taken from the pool) is tried once more: it cannot have reached the server, so no call runs twice
    return attempt(method, url, body).recover(err -> err instanceof NotSent
        ? attempt(method, url, body)
        : Future.failedFuture(err));
  }

  private Future<JsonObject> attempt(HttpMethod method, String url, JsonObject body) {
    // connect timeout: also bounds the wait for a pooled connection; idle timeout: a request sent
    // whose answer stops coming fails instead of holding the bench step until its own deadline
    RequestOptions options = new RequestOptions().setMethod(method).setAbsoluteURI(url)
        .setConnectTimeout(CONNECT_TIMEOUT_MILLIS).setIdleTimeout(30_000);
    return http.request(options)
        .recover(err -> Future.failedFuture(new NotSent(method + " " + url + " was not sent: " + err, err)))
        .compose(req -> {
          if (body != null) {
            req.putHeader("content-type", "application/json");
            return req.send(body.toBuffer());
          }
          return req.send();
        })
        .compose(resp -> resp.body().map(buf -> {
          if (resp.statusCode() / 100 != 2) {
            throw new IllegalStateException(method + " " + url + " answered " + resp.statusCode() + ": " + buf);
          }
          return buf.toJsonObject();
        }));
  }

  /** A control call that failed before its request left the generator. */
  static final class NotSent extends RuntimeException {
    NotSent(String message, Throwable cause) {
      super(message, cause);
    }
  }

  Future<Void> close() {
    return http.close();
  }
}
