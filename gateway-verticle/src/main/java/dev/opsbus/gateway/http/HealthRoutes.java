package dev.opsbus.gateway.http;

import dev.opsbus.gateway.telemetry.Overload;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.NodeLocal;
import dev.opsbus.model.db.StoreFailures;
import dev.opsbus.model.db.StoreHealth;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * What operators and load balancers ask, without logging in: {@code /health} (the process
 * answers), {@code /ready} (database reachable, every verticle of the node deployed, not draining, and
 * not overloaded: see {@link Overload}),
 * {@code /metrics} (Prometheus text; other parts of the gateway add their gauges to
 * {@link #meters()}) and {@code /api/openapi.yaml}.
 */
public final class HealthRoutes {

  /** Node-local shared map the launcher fills; readiness is read from it. */
  public static final String NODE_MAP = NodeLocal.MAP;
  /** Key in {@link #NODE_MAP}: comma-separated verticles once all of them are deployed. */
  public static final String NODE_MAP_DEPLOYED = NodeLocal.DEPLOYED;
  /** Key in {@link #NODE_MAP}: set (to the time it began) once the node drains before it stops. */
  public static final String NODE_MAP_DRAINING = NodeLocal.DRAINING;

  private static final String OPENAPI_RESOURCE = "/dev/opsbus/gateway/openapi.yaml";
  private static final long READY_DB_TIMEOUT_MS = StoreHealth.PROBE_TIMEOUT.toMillis();

  private final Vertx vertx;
  private final String nodeId;
  private final Pool pool;
  private final StoreHealth store;
  private final String openApiDocument;
  private final PrometheusMeterRegistry registry;
  private Overload overload;

  /** @param openApiDocument from {@link #readOpenApi}, read once at start */
  public HealthRoutes(Vertx vertx, String nodeId, Pool pool, StoreHealth store, String openApiDocument) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.pool = pool;
    this.store = store;
    this.openApiDocument = openApiDocument;
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().commonTags("node", nodeId);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
  }

  /** The API description from the gateway jar, read on a worker thread. */
  public static Future<String> readOpenApi(Vertx vertx) {
    return vertx.executeBlocking(() -> {
      try (InputStream in = HealthRoutes.class.getResourceAsStream(OPENAPI_RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException("openapi.yaml is missing from the gateway jar");
        }
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new IllegalStateException("openapi.yaml could not be read: " + e.getMessage(), e);
      }
    });
  }

  /** {@code /ready} also answers 503 while this says the node is full or its event loop lags. */
  public HealthRoutes overload(Overload o) {
    this.overload = o;
    return this;
  }

  /** The registry {@code /metrics} shows. */
  public MeterRegistry meters() {
    return registry;
  }

  public void mount(Router router) {
    router.get("/api/openapi.yaml").handler(ctx -> ctx.response()
        .putHeader("content-type", "application/yaml; charset=utf-8").end(openApiDocument));
    router.get("/health").handler(ctx -> ctx.json(new JsonObject().put("status", "up").put("node", nodeId)));
    router.get("/ready").handler(this::ready);
    router.get("/metrics").handler(this::metrics);
  }

  /** The Prometheus text; who may read it is decided before (see {@code MetricsAccess}). */
  public void metrics(RoutingContext ctx) {
    ctx.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
        .putHeader("Cache-Control", "no-store").end(registry.scrape());
  }

  private void ready(RoutingContext ctx) {
    LocalMap<String, String> node = vertx.sharedData().getLocalMap(NODE_MAP);
    String deployed = node.get(NODE_MAP_DEPLOYED);
    boolean draining = node.get(NODE_MAP_DRAINING) != null;
    // while the database is known to be away the answer does not wait for another probe
    Future<String> db = store.down() ? Future.succeededFuture("down: " + store.reason())
        : StoreHealth.within(vertx, pool.query("SELECT 1").execute(), READY_DB_TIMEOUT_MS)
            .transform(ar -> {
              if (ar.failed()) {
                // what /ready saw, the API's guard knows too
                store.failed(ar.cause());
              }
              return Future.succeededFuture(ar.succeeded() ? "up" : "down: " + ar.cause().getMessage());
            });
    db.onSuccess(dbState -> {
      boolean dbUp = "up".equals(dbState);
      String overloaded = overload == null ? null : overload.reason();
      boolean ready = dbUp && deployed != null && !draining && overloaded == null;
      JsonObject answer = new JsonObject()
          .put("status", ready ? "ready" : "not_ready")
          .put("node", nodeId)
          .put("db", dbState)
          .put("cluster", vertx.isClustered() ? "clustered" : "single")
          .put("verticles", deployed == null ? "starting" : deployed);
      if (draining) {
        answer.put("reason", ErrorCode.NODE_DRAINING.wireName());
      } else if (!dbUp) {
        answer.put("reason", ErrorCode.STORE_UNAVAILABLE.wireName());
      } else if (deployed == null) {
        answer.put("reason", "starting");
      } else if (overloaded != null) {
        answer.put("reason", overloaded);
      }
      if (overload != null) {
        overload.describe(answer);
      }
      ctx.response().setStatusCode(ready ? 200 : 503);
      if (!ready && deployed != null) {
        ctx.response().putHeader("retry-after", String.valueOf(StoreFailures.RETRY_AFTER_SECONDS));
      }
      ctx.json(answer);
    });
  }
}
