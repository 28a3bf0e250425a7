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

  private final HttpClient http;
  private final String base;

  ControlClient(Vertx vertx, String base) {
    // Node's HTTP server closes a keep-alive connection after 5 s idle: drop ours after 2 s, so a
    // control call never goes out on a connection the peer is closing (and then waits for nothing)
    this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(10_000).setKeepAliveTimeout(2));
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
    return http.request(new RequestOptions().setMethod(method).setAbsoluteURI(url).setIdleTimeout(30_000))
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

  Future<Void> close() {
    return http.close();
  }
}
