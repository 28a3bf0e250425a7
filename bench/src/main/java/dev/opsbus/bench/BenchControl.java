package dev.opsbus.bench;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.util.function.IntSupplier;

/**
 * The bench control API every bench server exposes (see bench/README.md): start and stop a publish
 * run, read its stats, read the server's monotonic clock. Mount it on any Vert.x HTTP server.
 */
public final class BenchControl implements Handler<HttpServerRequest> {

  public static final String PREFIX = "/bench/";

  private final BroadcastPublisher publisher;
  private final IntSupplier clients;
  private final String runtime;

  public BenchControl(BroadcastPublisher publisher, IntSupplier clients, String runtime) {
    this.publisher = publisher;
    this.clients = clients;
    this.runtime = runtime;
  }

  @Override
  public void handle(HttpServerRequest req) {
    String path = req.path();
    try {
      if (path.equals("/bench/start") && req.method() == HttpMethod.POST) {
        double rate = number(req, "rate", Double.NaN);
        int size = (int) number(req, "size", 200);
        double duration = number(req, "duration", Double.NaN);
        BroadcastPublisher.Started s = publisher.start(rate, size, duration);
        reply(req, 200, new JsonObject().put("started", true).put("rate", s.rate()).put("size", s.size())
            .put("durationMs", s.durationNanos() / 1_000_000.0).put("t0", s.t0())
            .put("clients", clients.getAsInt()));
      } else if (path.equals("/bench/stop") && req.method() == HttpMethod.POST) {
        publisher.stop();
        reply(req, 200, new JsonObject().put("stopped", true));
      } else if (path.equals("/bench/stats") && req.method() == HttpMethod.GET) {
        if ("true".equals(req.getParam("gc"))) {
          // bench only: heap-after-GC for the memory scenario; blocks this event loop for a moment
          System.gc();
        }
        reply(req, 200, publisher.stats(clients.getAsInt(), runtime));
      } else if (path.equals("/bench/clock") && req.method() == HttpMethod.GET) {
        reply(req, 200, new JsonObject().put("nanos", System.nanoTime()));
      } else {
        reply(req, 404, error("not_found", "no bench endpoint " + req.method() + " " + path));
      }
    } catch (IllegalStateException e) {
      reply(req, 409, error("already_running", e.getMessage()));
    } catch (IllegalArgumentException e) {
      reply(req, 400, error("invalid_argument", e.getMessage()));
    }
  }

  private static double number(HttpServerRequest req, String name, double defaultValue) {
    String v = req.getParam(name);
    if (v == null) {
      if (Double.isNaN(defaultValue)) {
        throw new IllegalArgumentException("query parameter '" + name + "' is required");
      }
      return defaultValue;
    }
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("query parameter '" + name + "' must be a number");
    }
  }

  private static JsonObject error(String code, String message) {
    return new JsonObject().put("error", code).put("message", message);
  }

  private static void reply(HttpServerRequest req, int status, JsonObject body) {
    req.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
  }
}
