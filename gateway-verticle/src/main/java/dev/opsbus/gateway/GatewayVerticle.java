package dev.opsbus.gateway;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;

/** The gateway: HTTP API, login, the event-bus bridge (SockJS and raw WebSocket), health and metrics. */
public class GatewayVerticle extends VerticleBase {

  private final GatewayConfig config;
  private HttpServer server;

  public GatewayVerticle(GatewayConfig config) {
    this.config = config;
  }

  /** The port actually bound (differs from the config when it asked for 0). */
  public int actualPort() {
    return server.actualPort();
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.get("/health").handler(ctx -> ctx.json(new io.vertx.core.json.JsonObject().put("status", "up")));
    return vertx.createHttpServer(new HttpServerOptions().setHost(config.host()).setPort(config.port()))
        .requestHandler(router)
        .listen()
        .onSuccess(s -> server = s);
  }
}
