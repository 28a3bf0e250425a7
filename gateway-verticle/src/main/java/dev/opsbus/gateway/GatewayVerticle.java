package dev.opsbus.gateway;

import dev.opsbus.gateway.auth.AdminBootstrap;
import dev.opsbus.gateway.auth.PasswordHasher;
import dev.opsbus.gateway.auth.PasswordPolicy;
import dev.opsbus.gateway.auth.TokenService;
import dev.opsbus.gateway.auth.UserStore;
import dev.opsbus.gateway.bridge.BridgeMeters;
import dev.opsbus.gateway.bridge.BridgeRoutes;
import dev.opsbus.gateway.bridge.BridgeServer;
import dev.opsbus.gateway.bridge.sockjs.SockJsOptions;
import dev.opsbus.gateway.console.ConsoleRoutes;
import dev.opsbus.gateway.drain.DrainController;
import dev.opsbus.gateway.hosts.HostApi;
import dev.opsbus.gateway.hosts.HostStore;
import dev.opsbus.gateway.http.ApiErrors;
import dev.opsbus.gateway.http.AuthApi;
import dev.opsbus.gateway.http.Authn;
import dev.opsbus.gateway.http.ClientAddress;
import dev.opsbus.gateway.http.CsrfGuard;
import dev.opsbus.gateway.http.InputGuard;
import dev.opsbus.gateway.http.SecurityHeaders;
import dev.opsbus.gateway.http.StoreGuard;
import dev.opsbus.gateway.hosts.HostService;
import dev.opsbus.gateway.http.BusCalls;
import dev.opsbus.gateway.http.ErrorCodeTable;
import dev.opsbus.gateway.http.HealthRoutes;
import dev.opsbus.gateway.http.OriginPolicy;
import dev.opsbus.gateway.http.UserApi;
import dev.opsbus.gateway.operations.OperationApi;
import dev.opsbus.gateway.presence.PresenceService;
import dev.opsbus.gateway.terminal.RelayLoss;
import dev.opsbus.gateway.terminal.SessionDirectory;
import dev.opsbus.gateway.terminal.TerminalApi;
import dev.opsbus.model.Addresses;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.Json;
import dev.opsbus.model.db.Settings;
import dev.opsbus.model.db.StoreHealth;
import dev.opsbus.model.event.ActivityEvent;
import dev.opsbus.model.secret.CredentialCipher;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway: HTTP API, login, the event-bus bridge (SockJS at {@code /eventbus}, raw WebSocket at
 * {@code /eventbus/websocket}), terminals, the console, health, readiness and Prometheus metrics.
 * This class only wires those parts together and starts the HTTP server.
 */
public class GatewayVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(GatewayVerticle.class);

  /** Node-local shared map the launcher fills; the gateway reads readiness from it. */
  public static final String NODE_MAP = HealthRoutes.NODE_MAP;
  /** Key in {@link #NODE_MAP}: comma-separated verticles once all of them are deployed. */
  public static final String NODE_MAP_DEPLOYED = HealthRoutes.NODE_MAP_DEPLOYED;

  private static final int API_BODY_LIMIT = 64 * 1024;
  private static final int JWT_KEY_BYTES = 64;
  /** A gateway forgets another node's presence after this long without hearing from it. */
  private static final long PRESENCE_NODE_SILENCE_MS = 20_000;

  private final GatewayConfig config;
  private final SessionDirectory sessions = new SessionDirectory();
  private HttpServer server;
  private Pool pool;
  private BridgeServer bridge;
  private HostStore hostStore;
  private PresenceService presence;
  private StoreHealth store;
  private DrainController drain;
  private RelayLoss relayLoss;

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
    presence = new PresenceService(vertx, config.nodeId(), PRESENCE_NODE_SILENCE_MS);
    pool = PgBuilder.pool()
        .with(StoreHealth.poolOptions(config.dbPoolSize()))
        .connectingTo(config.db())
        .using(vertx)
        .build();
    store = new StoreHealth(vertx, pool, "gateway of node " + config.nodeId()).start();
    UserStore users = new UserStore(pool);
    PasswordHasher hasher = new PasswordHasher(vertx);
    Settings settings = new Settings(pool);
    // the common-password list is read here, on a worker, not on the event loop at the first password change
    Future<Integer> passwordList = vertx.executeBlocking(PasswordPolicy::commonListSize);
    return passwordList.compose(n -> HealthRoutes.readOpenApi(vertx)).compose(openApi -> Future.all(settings.getOrCreateSecret(Settings.JWT_KEY, JWT_KEY_BYTES),
            settings.getOrCreateSecret(CredentialCipher.SETTINGS_KEY, CredentialCipher.KEY_BYTES))
        .recover(err -> Future.failedFuture(new IllegalStateException("cannot read settings from PostgreSQL: " + err.getMessage(), err)))
        .compose(keys -> {
          TokenService tokens = new TokenService(vertx, keys.resultAt(0), config.tokenTtl());
          hostStore = new HostStore(pool, new CredentialCipher(keys.resultAt(1)));
          return new AdminBootstrap(users, hasher, config.initialAdminPassword()).ensureAdmin().map(tokens);
        })
        .compose(tokens -> sessions.start(vertx).map(tokens))
        .onSuccess(tokens -> {
          relayLoss = new RelayLoss(vertx, config.nodeId(), sessions);
          relayLoss.start();
        })
        .compose(tokens -> {
          bridge = new BridgeServer(vertx, config.nodeId(), config.rules(), sessions, tokens, config.bridge());
          bridge.presence(presence);
          HealthRoutes health = new HealthRoutes(vertx, config.nodeId(), pool, store, openApi);
          BridgeMeters.bind(health.meters(), bridge);
          Router router = router(users, hasher, tokens, health);
          Future<HttpServer> listening = vertx.createHttpServer(serverOptions())
              .requestHandler(InputGuard.beforeRouter(router))
              .listen()
              .recover(err -> Future.failedFuture(new IllegalStateException(
                  "http port " + config.port() + " on " + config.host() + " is not available: " + err.getMessage(), err)));
          Future<Void> hostsServed = new HostService(vertx, hostStore).start();
          return Future.all(listening, bridge.start(), presence.start(), hostsServed).map(v -> listening.result());
        }))
        .onSuccess(s -> {
          server = s;
          LOG.info("gateway of node {} listening on {}:{}", config.nodeId(), config.host(), s.actualPort());
        });
  }

  /**
   * The node is leaving: real-time clients are told {@code node_draining} with a reconnect delay
   * within {@code window} (after {@code status.server} down when {@code lastNode}). Safe from any
   * thread; the count of clients told.
   */
  public Future<Integer> drain(Duration window, boolean lastNode) {
    Promise<Integer> told = Promise.promise();
    context.runOnContext(v -> told.complete(drain == null ? 0 : drain.drain(window, lastNode)));
    return told.future();
  }

  @Override
  public Future<?> stop() {
    if (bridge != null) {
      bridge.stop();
    }
    if (presence != null) {
      presence.stop();
    }
    if (store != null) {
      store.stop();
    }
    if (relayLoss != null) {
      relayLoss.stop();
    }
    Future<Void> closing = server == null ? Future.succeededFuture() : server.close();
    return closing.eventually(() -> pool == null ? Future.succeededFuture() : pool.close());
  }

  private HttpServerOptions serverOptions() {
    return new HttpServerOptions()
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
        .setStrictThreadMode(true);
  }

  private void activity(ActivityEvent ev) {
    vertx.eventBus().publish(Addresses.ACTIVITY_EVENTS, Json.toJsonObject(ev));
  }

  private Router router(UserStore users, PasswordHasher hasher, TokenService tokens, HealthRoutes health) {
    Router router = Router.router(vertx);
    drain = new DrainController(vertx, config.nodeId(), bridge);
    router.route().handler(drain::guard);
    ClientAddress clients = new ClientAddress(config.trustedProxies());
    Authn authn = new Authn(tokens, config.secureCookie(), clients);
    OriginPolicy origins = new OriginPolicy(config.allowedOrigins());
    BusCalls bus = new BusCalls(vertx, config.bridge().requestTimeout().toMillis());

    // every API answer: no-store and nosniff; then the body, cross-site refusals and unstorable input (docs/SECURITY.md)
    router.route("/api/*").handler(SecurityHeaders::handle);
    router.route("/api/*").handler(new StoreGuard(store)::handle);
    router.route("/api/*").handler(BodyHandler.create(false).setBodyLimit(API_BODY_LIMIT))
        .handler(new CsrfGuard(config.allowedOrigins(), clients)).handler(InputGuard::handle);
    new AuthApi(users, hasher, tokens, authn, this::activity, config.nodeId(), clients).mount(router);
    new UserApi(users, hasher, authn, this::activity, config.nodeId()).mount(router);
    new HostApi(vertx, hostStore, authn, bus, this::activity, config.nodeId()).mount(router);
    // terminal sockets check Origin like the bridge does
    router.route("/ws/*").handler(origins.guard("open a terminal"));
    new TerminalApi(vertx, authn, bus, bridge.subscriptions()).mount(router);
    new OperationApi(authn, bus).mount(router);
    ErrorCodeTable.mount(router);
    health.mount(router);
    new BridgeRoutes(vertx, bridge, tokens, origins, this::activity, config.nodeId(),
        SockJsOptions.forFrames(config.bridge().maxFrameBytes(), config.allowedOrigins())).mount(router);
    ConsoleRoutes.mount(router, vertx);

    router.route().failureHandler(ApiErrors::handle);
    router.route().last().handler(ctx -> ApiErrors.send(ctx, ErrorCode.NOT_FOUND, "no such resource: " + ctx.request().path()));
    return router;
  }
}
