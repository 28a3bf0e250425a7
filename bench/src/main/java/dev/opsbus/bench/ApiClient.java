package dev.opsbus.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;

/**
 * The opsbus HTTP API as the terminal and operations scenarios use it: login, a JSON call that
 * hands back status and body, and registering an SSH host the way an admin does (create it, look at
 * the key it offers through the relay's scan, pin that key).
 */
final class ApiClient {

  /** One answer: HTTP status, body as text (JSON when the API answered JSON). */
  record Answer(int status, String body) {
    JsonObject json() {
      return body == null || body.isBlank() ? new JsonObject() : new JsonObject(body);
    }
  }

  private final HttpClientAgent http;
  private final URI base;
  private String token;

  /** @param poolSize connections kept to the node: the number of calls that may be in flight at once */
  ApiClient(Vertx vertx, URI base, int poolSize) {
    this.http = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(base.getHost()).setDefaultPort(base.getPort())
        .setConnectTimeout(10_000).setKeepAlive(true), new PoolOptions().setHttp1MaxSize(Math.max(1, poolSize)));
    this.base = base;
  }

  URI base() {
    return base;
  }

  HttpClientAgent http() {
    return http;
  }

  String token() {
    return token;
  }

  void token(String t) {
    token = t;
  }

  Future<String> login(String user, String password) {
    return call(HttpMethod.POST, "/api/login", new JsonObject().put("username", user).put("password", password))
        .map(a -> {
          if (a.status() != 200) {
            throw new IllegalStateException("login as " + user + " on " + base + " answered " + a.status() + ": " + a.body());
          }
          token = a.json().getString("token");
          return token;
        });
  }

  Future<Answer> call(HttpMethod method, String path, JsonObject body) {
    return call(http, method, path, body, token);
  }

  /** One request on {@code client} (the pooled agent or one connection of it). */
  static Future<Answer> call(HttpClient client, HttpMethod method, String path, JsonObject body, String token) {
    RequestOptions o = new RequestOptions().setMethod(method).setURI(path);
    return client.request(o).compose(req -> {
      if (token != null) {
        req.putHeader("authorization", "Bearer " + token);
      }
      if (body != null) {
        req.putHeader("content-type", "application/json");
        return req.send(body.toBuffer());
      }
      return req.send();
    }).compose(resp -> resp.body().map(Buffer::toString).map(b -> new Answer(resp.statusCode(), b)));
  }

  /**
   * Registers (or updates) an SSH host with a password and pins the key it offers, all through the
   * API as an admin would. {@code expectedFingerprint}, when given, must be the key the relay saw.
   */
  Future<Void> registerHost(String id, String address, int port, String user, String password, String expectedFingerprint) {
    JsonObject host = new JsonObject().put("id", id).put("name", "bench " + id).put("address", address).put("port", port)
        .put("username", user).put("password", password);
    return call(HttpMethod.POST, "/api/hosts", host).compose(a -> {
      if (a.status() == 201 || a.status() == 200) {
        return Future.succeededFuture();
      }
      if (a.status() == 409) {
        return call(HttpMethod.PUT, "/api/hosts/" + id, host).compose(u -> u.status() / 100 == 2 ? Future.<Void>succeededFuture()
            : Future.failedFuture("updating host " + id + " answered " + u.status() + ": " + u.body()));
      }
      return Future.failedFuture("creating host " + id + " answered " + a.status() + ": " + a.body());
    }).compose(v -> call(HttpMethod.GET, "/api/hosts/" + id + "/host-key", null)).compose(scan -> {
      String offered = scan.json().getString("offered");
      if (scan.status() != 200 || offered == null) {
        return Future.failedFuture("host-key scan of " + id + " answered " + scan.status() + ": " + scan.body());
      }
      if (expectedFingerprint != null && !expectedFingerprint.equals(offered)) {
        return Future.failedFuture("host " + id + " offered " + offered + ", the SSH server said " + expectedFingerprint);
      }
      return call(HttpMethod.POST, "/api/hosts/" + id + "/host-key", new JsonObject().put("fingerprint", offered));
    }).compose(pin -> pin.status() / 100 == 2 ? Future.<Void>succeededFuture()
        : Future.failedFuture("pinning the key of " + id + " answered " + pin.status() + ": " + pin.body()));
  }

  Future<Void> close() {
    return http.close();
  }
}
