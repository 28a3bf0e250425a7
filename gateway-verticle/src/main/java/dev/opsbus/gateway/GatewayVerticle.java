package dev.opsbus.gateway;

import dev.opsbus.gateway.auth.PasswordHasher;
import dev.opsbus.model.db.Settings;
import dev.opsbus.gateway.auth.TokenService;
import dev.opsbus.gateway.auth.UserStore;
import dev.opsbus.gateway.bridge.BridgeServer;
import dev.opsbus.gateway.bridge.sockjs.SockJsOptions;
import dev.opsbus.gateway.bridge.sockjs.SockJsServer;
import dev.opsbus.gateway.http.ApiErrors;
import dev.opsbus.gateway.http.AuthApi;
import dev.opsbus.gateway.http.Authn;
import dev.opsbus.gateway.http.UserApi;
import dev.opsbus.gateway.http.BusCalls;
import dev.opsbus.gateway.hosts.HostApi;
import dev.opsbus.gateway.hosts.HostStore;
import dev.opsbus.gateway.terminal.SessionDirectory;
import dev.opsbus.gateway.presence.PresenceService;
import dev.opsbus.gateway.terminal.TerminalApi;
import dev.opsbus.gateway.operations.OperationApi;
import dev.opsbus.model.secret.CredentialCipher;
import dev.opsbus.model.Addresses;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.Json;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.Principal;
import dev.opsbus.model.Role;
import dev.opsbus.model.event.ActivityEvent;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.net.URI;
import java.security.SecureRandom;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway: HTTP API, login, the event-bus bridge (SockJS at {@code /eventbus}, raw WebSocket at
 * {@code /eventbus/websocket}), health, readiness and Prometheus metrics.
 */
public class GatewayVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(GatewayVerticle.class);

  /** Node-local shared map the launcher fills; the gateway reads readiness from it. */
  public static final String NODE_MAP = "opsbus.node";
  /** Key in {@link #NODE_MAP}: comma-separated verticles once all of them are deployed. */
  public static final String NODE_MAP_DEPLOYED = "deployed";

  static final String HANDSHAKE_PRINCIPAL = "opsbus.bridge.principal";
  static final String HANDSHAKE_TOKEN = "opsbus.bridge.token";
  static final String HANDSHAKE_PROBLEM = "opsbus.bridge.problem";

  private static final int API_BODY_LIMIT = 64 * 1024;

  private final GatewayConfig config;
  private HttpServer server;
  private Pool pool;
  private BridgeServer bridge;
  private PrometheusMeterRegistry registry;
  private String openApiDocument;
  private HostStore hostStore;
  private final SessionDirectory sessions = new SessionDirectory();
  private PresenceService presence;

  public GatewayVerticle(GatewayConfig config) {
    this.config = config;
  }

  /** The port actually bound (differs from the config when it asked for 0). */
  public int actualPort() {
    return server.actualPort();
  }

  /** The bridge of this gateway, for tests and observation. */
  public BridgeServer bridge() {
    return bridge;
  }

  @Override
  public Future<?> start() {
    presence = new PresenceService(vertx, config.nodeId(), 20_000);
    pool = PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(config.dbPoolSize()))
        .connectingTo(config.db())
        .using(vertx)
        .build();
    UserStore users = new UserStore(pool);
    PasswordHasher hasher = new PasswordHasher(vertx);
    Future<String> openApi = vertx.executeBlocking(GatewayVerticle::readOpenApi);
    Settings settings = new Settings(pool);
    return openApi.onSuccess(doc -> openApiDocument = doc)
        .compose(doc -> Future.all(settings.getOrCreateSecret(Settings.JWT_KEY, 64),
            settings.getOrCreateSecret(CredentialCipher.SETTINGS_KEY, CredentialCipher.KEY_BYTES)))
        .recover(err -> Future.failedFuture(new IllegalStateException("cannot read settings from PostgreSQL: " + err.getMessage(), err)))
        .compose(keys -> {
          TokenService tokens = new TokenService(vertx, keys.resultAt(0), config.tokenTtl());
          hostStore = new HostStore(pool, new CredentialCipher(keys.resultAt(1)));
          return ensureAdmin(users, hasher).map(tokens);
        })
        .compose(tokens -> sessions.start(vertx).map(tokens))
        .compose(tokens -> {
          bridge = new BridgeServer(vertx, config.nodeId(), config.rules(), sessions, tokens, config.bridge());
          bridge.presence(presence);
          bridge.start();
          registry = meters();
          Router router = router(users, hasher, tokens);
          var stats = vertx.eventBus().<Object>localConsumer(Addresses.NODE_GATEWAY_STATS.format(config.nodeId()),
              msg -> msg.reply(bridge.statsJson()));
          Future<HttpServer> listening = vertx.createHttpServer(new HttpServerOptions()
                  .setHost(config.host())
                  .setPort(config.port())
                  // Vert.x closes the socket (1009) past this; up to it the bridge answers too_large and carries on
                  .setMaxWebSocketFrameSize(config.bridge().maxFrameBytes() * 2)
                  .setMaxWebSocketMessageSize(config.bridge().maxFrameBytes() * 2)
                  // no permessage-deflate: a negotiated deflater/inflater pair is ~300 KB of zlib
                  // state per browser socket, and per-socket compression would undo encode-once
                  .setPerFrameWebSocketCompressionSupported(false)
                  .setPerMessageWebSocketCompressionSupported(false)
                  // every response is written on the gateway's event loop: the HTTP connection then
                  // skips its cross-thread write queue (a 4 KB array that each upgraded WebSocket
                  // kept, since the socket holds on to its upgrade request and so its connection)
                  .setStrictThreadMode(true))
              .requestHandler(router)
              .listen()
              .recover(err -> Future.failedFuture(new IllegalStateException(
                  "http port " + config.port() + " on " + config.host() + " is not available: " + err.getMessage(), err)));
          return Future.all(listening, stats.completion(), presence.start()).map(v -> listening.result()).onSuccess(s -> {
            server = s;
            LOG.info("gateway of node {} listening on {}:{}", config.nodeId(), config.host(), s.actualPort());
          });
        });
  }

  @Override
  public Future<?> stop() {
    if (bridge != null) {
      bridge.stop();
    }
    if (presence != null) {
      presence.stop();
    }
    Future<Void> closing = server == null ? Future.succeededFuture() : server.close();
    return closing.eventually(() -> pool == null ? Future.succeededFuture() : pool.close());
  }

  /** On the very first start (no users at all) create {@code admin}; any later start leaves users alone. */
  private Future<Void> ensureAdmin(UserStore users, PasswordHasher hasher) {
    return pool.query("SELECT count(*) FROM users").execute().compose(rows -> {
      if (rows.iterator().next().getLong(0) > 0) {
        return Future.succeededFuture();
      }
      boolean generated = config.initialAdminPassword() == null || config.initialAdminPassword().isEmpty();
      String password = generated ? generatePassword() : config.initialAdminPassword();
      return hasher.hash(password)
          .compose(hash -> users.createIfAbsent("admin", hash, Set.of(Role.ADMIN), Set.of(Principal.ALL_HOSTS)))
          .map(created -> {
            if (created && generated) {
              // shown once, by design: there is no other way to learn it
              LOG.warn("first start: created user 'admin' with the generated password {} (set OPSBUS_ADMIN_PASSWORD before the first start to choose it)", password);
            } else if (created) {
              LOG.info("first start: created user 'admin' with the password from OPSBUS_ADMIN_PASSWORD");
            }
            return null;
          });
    });
  }

  private static String readOpenApi() throws java.io.IOException {
    try (var in = GatewayVerticle.class.getResourceAsStream("openapi.yaml")) {
      if (in == null) {
        throw new IllegalStateException("openapi.yaml is missing from the gateway jar");
      }
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  private static String generatePassword() {
    String alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    SecureRandom random = new SecureRandom();
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return sb.toString();
  }

  private void activity(ActivityEvent ev) {
    vertx.eventBus().publish(Addresses.ACTIVITY_EVENTS, Json.toJsonObject(ev));
  }

  private Router router(UserStore users, PasswordHasher hasher, TokenService tokens) {
    Router router = Router.router(vertx);
    Authn authn = new Authn(tokens, config.secureCookie());

    router.route("/api/*").handler(BodyHandler.create(false).setBodyLimit(API_BODY_LIMIT));
    new AuthApi(users, hasher, tokens, authn, this::activity, config.nodeId()).mount(router);
    new UserApi(users, hasher, authn, this::activity, config.nodeId()).mount(router);
    BusCalls bus = new BusCalls(vertx, config.bridge().requestTimeout().toMillis());
    new HostApi(vertx, hostStore, authn, bus, this::activity, config.nodeId()).mount(router);
    // terminal sockets check Origin like the bridge does
    router.route("/ws/*").handler(ctx -> {
      if (originAllowed(ctx.request())) {
        ctx.next();
      } else {
        ApiErrors.send(ctx, ErrorCode.ORIGIN_NOT_ALLOWED, "origin " + ctx.request().getHeader("Origin") + " may not open a terminal here");
      }
    });
    new TerminalApi(vertx, authn, bus, bridge.subscriptions()).mount(router);
    new OperationApi(authn, bus).mount(router);

    router.get("/api/openapi.yaml").handler(ctx -> ctx.response()
        .putHeader("content-type", "application/yaml; charset=utf-8").end(openApiDocument));
    router.get("/health").handler(ctx -> ctx.json(new JsonObject().put("status", "up").put("node", config.nodeId())));
    router.get("/ready").handler(this::ready);
    router.get("/metrics").handler(ctx -> ctx.response()
        .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
        .end(registry.scrape()));

    // the bridge: origin and token checked on every handshake, for every transport
    router.route("/eventbus/*").handler(ctx -> handshake(ctx, tokens));
    router.get("/eventbus/websocket").handler(this::rawWebSocket);
    // every SockJS transport, served by the bridge's own SockJS server (see bridge/sockjs)
    SockJsServer sockJs = new SockJsServer(vertx, SockJsOptions.forFrames(config.bridge().maxFrameBytes(), config.allowedOrigins()),
        (session, rc) -> bridge.accept(session, rc.get(HANDSHAKE_PRINCIPAL), rc.get(HANDSHAKE_TOKEN), rc.get(HANDSHAKE_PROBLEM)));
    router.route("/eventbus/*").subRouter(sockJs.router());

    dev.opsbus.gateway.console.ConsoleRoutes.mount(router, vertx);
    router.route().failureHandler(ApiErrors::handle);
    router.route().last().handler(ctx -> ApiErrors.send(ctx, ErrorCode.NOT_FOUND, "no such resource: " + ctx.request().path()));
    return router;
  }

  private void handshake(RoutingContext ctx, TokenService tokens) {
    if (!originAllowed(ctx.request())) {
      String origin = ctx.request().getHeader("Origin");
      activity(ActivityEvent.of(ActivityEvent.ACCESS_DENIED, null, config.nodeId(), null, ErrorCode.ORIGIN_NOT_ALLOWED.wireName(),
          "handshake from a foreign origin refused", java.util.Map.of("origin", origin, "path", ctx.request().path())));
      ApiErrors.send(ctx, ErrorCode.ORIGIN_NOT_ALLOWED, "origin " + origin + " may not open a connection here");
      return;
    }
    String token = Authn.tokenOf(ctx.request());
    if (token == null) {
      ctx.next();
      return;
    }
    if (ctx.request().path().endsWith("_send") && !ctx.request().isEnded()) {
      // an xhr_send or jsonp_send body is read after this check: hold it meanwhile (SockJsServer resumes)
      ctx.request().pause();
    }
    tokens.verify(token).onComplete(ar -> {
      if (ar.succeeded()) {
        ctx.put(HANDSHAKE_PRINCIPAL, ar.result());
        ctx.put(HANDSHAKE_TOKEN, token);
      } else {
        ctx.put(HANDSHAKE_PROBLEM, ar.cause() instanceof OpsbusException oe ? oe.code() : ErrorCode.INVALID_TOKEN);
      }
      ctx.next();
    });
  }

  private void rawWebSocket(RoutingContext ctx) {
    Principal principal = ctx.get(HANDSHAKE_PRINCIPAL);
    String token = ctx.get(HANDSHAKE_TOKEN);
    ErrorCode problem = ctx.get(HANDSHAKE_PROBLEM);
    // the connection's Netty channel: the bridge writes shared frames to it directly (see WebSocketTransport)
    io.netty.channel.Channel channel = ctx.request().connection() instanceof io.vertx.core.http.impl.HttpServerConnection c
        ? c.channelHandlerContext().channel() : null;
    ctx.request().toWebSocket()
        .onSuccess(ws -> {
          // Vert.x keeps the upgrade request for the socket's whole life; its headers (cookie with
          // the token, user agent, ...) were checked in the handshake and are not read again
          try {
            ctx.request().headers().clear();
          } catch (IllegalStateException | UnsupportedOperationException readOnly) {
            // a read-only request: the headers stay, nothing else changes
          }
          bridge.accept(ws, channel, principal, token, problem);
        })
        .onFailure(err -> {
          if (!ctx.response().ended()) {
            ApiErrors.send(ctx, ErrorCode.INVALID_REQUEST, "this address takes a WebSocket upgrade: " + err.getMessage());
          }
        });
  }

  /** Same-origin and listed origins may connect; a request with no Origin (not a browser) may too. */
  boolean originAllowed(HttpServerRequest req) {
    String origin = req.getHeader("Origin");
    if (origin == null || config.allowedOrigins().contains("*") || config.allowedOrigins().contains(origin)) {
      return true;
    }
    try {
      String authority = URI.create(origin).getRawAuthority();
      String host = req.getHeader("Host");
      return authority != null && authority.equalsIgnoreCase(host);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private void ready(RoutingContext ctx) {
    LocalMap<String, String> node = vertx.sharedData().getLocalMap(NODE_MAP);
    String deployed = node.get(NODE_MAP_DEPLOYED);
    pool.query("SELECT 1").execute()
        .timeout(3, TimeUnit.SECONDS)
        .transform(ar -> Future.succeededFuture(ar.succeeded() ? "up" : "down: " + ar.cause().getMessage()))
        .onSuccess(db -> {
          boolean ready = "up".equals(db) && deployed != null;
          ctx.response().setStatusCode(ready ? 200 : 503);
          ctx.json(new JsonObject()
              .put("status", ready ? "ready" : "not_ready")
              .put("node", config.nodeId())
              .put("db", db)
              .put("cluster", vertx.isClustered() ? "clustered" : "single")
              .put("verticles", deployed == null ? "starting" : deployed));
        });
  }

  private PrometheusMeterRegistry meters() {
    PrometheusMeterRegistry r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    r.config().commonTags("node", config.nodeId());
    for (String kind : new String[] {"sockjs", "websocket"}) {
      Gauge.builder("opsbus.bridge.connections", bridge, b -> b.connectionCount(kind))
          .description("real-time connections open on this node").tag("transport", kind).register(r);
    }
    Gauge.builder("opsbus.bridge.subscriptions", bridge, BridgeServer::subscriptionCount)
        .description("client subscriptions on this node").register(r);
    Gauge.builder("opsbus.bridge.bus.consumers", bridge, BridgeServer::busConsumerCount)
        .description("bus consumers the bridge holds: one per watched address").register(r);
    Gauge.builder("opsbus.bridge.delivered", bridge, b -> b.stats().deliveredTotal())
        .description("frames delivered to clients since start").register(r);
    Gauge.builder("opsbus.bridge.refused", bridge, b -> b.stats().refusedTotal())
        .description("frames and connections refused since start").register(r);
    new JvmMemoryMetrics().bindTo(r);
    new JvmThreadMetrics().bindTo(r);
    new ProcessorMetrics().bindTo(r);
    new UptimeMetrics().bindTo(r);
    return r;
  }
}
