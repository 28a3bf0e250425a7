package dev.opsbus.gateway;

import dev.opsbus.gateway.auth.AdminBootstrap;
import dev.opsbus.gateway.auth.PasswordHasher;
import dev.opsbus.gateway.auth.PasswordPolicy;
import dev.opsbus.gateway.auth.TokenRevocations;
import dev.opsbus.gateway.auth.TokenService;
import dev.opsbus.gateway.auth.UserStore;
import dev.opsbus.gateway.bridge.BridgeMeters;
import dev.opsbus.gateway.bridge.BridgeRoutes;
import dev.opsbus.gateway.bridge.BridgeServer;
import dev.opsbus.gateway.bridge.NettyChannels;
import dev.opsbus.gateway.bridge.sockjs.SockJsOptions;
import dev.opsbus.gateway.console.BuildAnnouncer;
import dev.opsbus.gateway.console.ConsoleRoutes;
import dev.opsbus.gateway.drain.DrainController;
import dev.opsbus.gateway.hosts.HostApi;
import dev.opsbus.gateway.hosts.HostStore;
import dev.opsbus.gateway.http.ApiErrors;
import dev.opsbus.gateway.loops.AcceptLoops;
import dev.opsbus.gateway.http.AuthApi;
import dev.opsbus.gateway.http.Authn;
import dev.opsbus.gateway.http.ClientAddress;
import dev.opsbus.gateway.http.ConnectionGuard;
import dev.opsbus.gateway.http.CsrfGuard;
import dev.opsbus.gateway.http.MetricsAccess;
import dev.opsbus.gateway.http.InputGuard;
import dev.opsbus.gateway.http.InvalidRequests;
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
import dev.opsbus.gateway.recordings.RecordingApi;
import dev.opsbus.gateway.terminal.TerminalApi;
import dev.opsbus.gateway.telemetry.GatewayTelemetry;
import dev.opsbus.model.Addresses;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.Json;
import dev.opsbus.model.db.StoreHealth;
import dev.opsbus.model.event.ActivityEvent;
import io.vertx.core.Future;
import java.util.List;
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
  /** A gateway forgets another node's presence after this long without hearing from it. */
  private static final long PRESENCE_NODE_SILENCE_MS = 20_000;

  private final GatewayConfig config;
  private final SessionDirectory sessions = new SessionDirectory();
  private HttpServer server;
  private HttpServer metricsServer;
  private ConnectionGuard connectionGuard;
  private Pool pool;
  /** The store probe's own connection: it asks whether the database answers, never queueing behind the pool's work. */
  private Pool probePool;
  private BridgeServer bridge;
  private HostStore hostStore;
  private PresenceService presence;
  private ServicesWiring services;
  private TokenRevocations revocations;
  private StoreHealth store;
  private DrainController drain;
  private RelayLoss relayLoss;
  private GatewayTelemetry telemetry;
  private AcceptLoops loops;
  /** This gateway's key for a free port shared by its loops (see {@link #listenPort}). */
  private final int sharedFreePort = FREE_PORT_KEYS.incrementAndGet();
  private static final java.util.concurrent.atomic.AtomicInteger FREE_PORT_KEYS = new java.util.concurrent.atomic.AtomicInteger();

  public GatewayVerticle(GatewayConfig config) {
    this.config = config;
  }

  /** The port actually bound (differs from the config when it asked for 0). */
  public int actualPort() {
    return server.actualPort();
  }

  /** The TCP event-bus bridge's port, or -1 when it is off. */
  public int tcpBridgePort() {
    return services == null ? -1 : services.tcpBridgePort();
  }

  /** This node's service keys, for tests and observation. */
  public dev.opsbus.gateway.servicekeys.ServiceKeys serviceKeys() {
    return services.keys();
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
    services = new ServicesWiring(vertx, config, pool, sessions);
    probePool = StoreHealth.probePool(PgBuilder.pool(), config.db(), vertx);
    store = new StoreHealth(vertx, probePool, "gateway of node " + config.nodeId()).start();
    UserStore users = new UserStore(pool);
    PasswordHasher hasher = new PasswordHasher(vertx);
    // the common-password list is read here, on a worker, not on the event loop at the first password change
    Future<Integer> passwordList = vertx.executeBlocking(PasswordPolicy::commonListSize);
    if (config.secrets() == null || config.secrets().jwtKey() == null) {
      return Future.failedFuture(new IllegalStateException("the gateway was given no keys (GatewayConfig.secrets)"));
    }
    return passwordList.compose(n -> HealthRoutes.readOpenApi(vertx)).compose(openApi -> Future.succeededFuture(config.secrets())
        .compose(keys -> {
          // the keys come from the launcher's key files, never from the database (docs/SECURITY.md)
          TokenService tokens = TokenService.withKeys(vertx, keys, config.tokenTtl());
          revocations = new TokenRevocations(vertx, users);
          tokens.revocations(revocations);
          hostStore = new HostStore(pool, keys.cipher());
          return new AdminBootstrap(users, hasher, config.initialAdminPassword()).ensureAdmin().map(tokens);
        })
        .compose(tokens -> sessions.start(vertx).compose(v -> revocations.start()).map(tokens))
        .onSuccess(tokens -> {
          relayLoss = new RelayLoss(vertx, config.nodeId(), sessions);
          relayLoss.start();
        })
        .compose(tokens -> {
          var access = services.access(tokens);
          bridge = new BridgeServer(vertx, config.nodeId(), services.rules(), services.guard(), tokens, config.bridge(),
              config.connections(), access, access);
          bridge.presence(presence);
          bridge.revocations(revocations);
          HealthRoutes health = new HealthRoutes(vertx, config.nodeId(), pool, store, openApi);
          BridgeMeters.bind(health.meters(), bridge);
          telemetry = TelemetryWiring.wire(vertx, config, health, bridge, sessions, services);
          Router router = router(users, hasher, tokens, health);
          // header and idle timeouts, caps on connections per node and per address (docs/SECURITY.md)
          connectionGuard = new ConnectionGuard(config.connections(), new ClientAddress(config.trustedProxies()), NettyChannels::of,
              2L * config.bridge().maxFrameBytes());
          var requests = InputGuard.beforeRouter(router);
          loops = new AcceptLoops(context);
          Future<HttpServer> listening = vertx.createHttpServer(serverOptions())
              .connectionHandler(connectionGuard::opened)
              .invalidRequestHandler(InvalidRequests::handle)
              .requestHandler(requests)
              .listen()
              .recover(err -> Future.failedFuture(new IllegalStateException(
                  "http port " + config.port() + " on " + config.host() + " is not available: " + err.getMessage(), err)))
              // the extra loops bind the port the gateway's own server got (docs/ARCHITECTURE.md, "Event loops")
              .compose(s -> loops.start(vertx, config.connections().eventLoops() - 1, serverOptions(), serverOptions().getPort(),
                  connectionGuard::opened, InvalidRequests::handle, requests).map(s));
          Future<Void> hostsServed = new HostService(vertx, hostStore).start();
          return Future.all(List.of(listening, bridge.start(), presence.start(), hostsServed, metricsListener(health), services.start(bridge)))
              .map(v -> listening.result());
        }))
        .onSuccess(s -> {
          server = s;
          LOG.info("gateway of node {} listening on {}:{} on {} event loop(s)", config.nodeId(), config.host(), s.actualPort(), loops.count());
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
    if (revocations != null) {
      revocations.stop();
    }
    if (store != null) {
      store.stop();
    }
    if (relayLoss != null) {
      relayLoss.stop();
    }
    if (telemetry != null) {
      telemetry.stop();
    }
    Future<Void> closing = Future.join(loops == null ? Future.succeededFuture() : loops.stop(vertx), server == null ? Future.succeededFuture() : server.close(),
        metricsServer == null ? Future.succeededFuture() : metricsServer.close()).mapEmpty();
    if (services != null) {
      closing = closing.eventually(services::stop);
    }
    return closing.eventually(() -> probePool == null ? Future.succeededFuture() : probePool.close())
        .eventually(() -> pool == null ? Future.succeededFuture() : pool.close());
  }

  /** The event loops accepting on the HTTP port, for tests and observation. */
  public AcceptLoops acceptLoops() {
    return loops;
  }

  /** The connection guard of the HTTP port, for tests and observation. */
  public ConnectionGuard connectionGuard() {
    return connectionGuard;
  }

  /** The port of the metrics-only listener ({@code gateway.metricsPort}), or -1 when there is none. */
  public int metricsPort() {
    return metricsServer == null ? -1 : metricsServer.actualPort();
  }

  /** With {@code gateway.metricsPort}: a listener of its own serving only {@code /metrics}, its bind address its protection. */
  private Future<Void> metricsListener(HealthRoutes health) {
    if (config.connections().metricsPort() == 0) {
      return Future.succeededFuture();
    }
    Router metricsOnly = Router.router(vertx);
    metricsOnly.get("/metrics").handler(health::metrics);
    metricsOnly.route().last().handler(ctx -> ApiErrors.send(ctx, ErrorCode.NOT_FOUND, "this listener serves /metrics only"));
    return vertx.createHttpServer(new HttpServerOptions().setHost(config.connections().metricsHost()).setPort(config.connections().metricsPort()))
        .requestHandler(metricsOnly).listen()
        .recover(err -> Future.failedFuture(new IllegalStateException("metrics port " + config.connections().metricsPort() + " on "
            + config.connections().metricsHost() + " is not available: " + err.getMessage(), err)))
        .onSuccess(s -> metricsServer = s).mapEmpty();
  }

  /**
   * The port servers listen on. A free port (0) on several loops is asked for as a negative number:
   * Vert.x binds a free port once and shares it among the servers that ask with the same negative
   * number (one per gateway, so two gateways in one Vert.x get a port each).
   */
  private int listenPort() {
    return config.port() == 0 && config.connections().eventLoops() > 1 ? -sharedFreePort : config.port();
  }

  private HttpServerOptions serverOptions() {
    return new HttpServerOptions()
        .setHost(config.host())
        .setPort(listenPort())
        // HTTP/1 only: with h2c detection on, Vert.x makes no connection until the first bytes arrive,
        // so a silent TCP connection would escape the connection guard's caps and clock
        .setHttp2ClearTextEnabled(false)
        // Vert.x closes the socket (1009) past this; up to it the bridge answers too_large and carries on
        .setMaxWebSocketFrameSize(config.bridge().maxFrameBytes() * 2)
        .setMaxWebSocketMessageSize(config.bridge().maxFrameBytes() * 2)
        // no permessage-deflate: a negotiated deflater/inflater pair is ~300 KB of zlib
        // state per browser socket, and per-socket compression would undo encode-once
        .setPerFrameWebSocketCompressionSupported(false)
        .setPerMessageWebSocketCompressionSupported(false)
        // on one loop every response is written on the gateway's event loop: the HTTP connection then
        // skips its cross-thread write queue (a 4 KB array that each upgraded WebSocket kept, since
        // the socket holds on to its upgrade request and so its connection). On several, a SockJS
        // session lives on one loop and its next poll may come in on another: that answer is written
        // across threads, which needs the queue
        .setStrictThreadMode(config.connections().eventLoops() == 1);
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
    router.route("/api/*").handler(BodyHandler.create(false).setBodyLimit(API_BODY_LIMIT))
        .handler(new CsrfGuard(config.allowedOrigins(), clients)).handler(InputGuard::handle);
    // after the body is read: the guard may wait on a probe, and a body handler behind an
    // asynchronous handler finds the request ended (a 500 under load)
    router.route("/api/*").handler(new StoreGuard(store)::handle);
    new AuthApi(users, hasher, tokens, authn, this::activity, config.nodeId(), clients, revocations).clusterWide(vertx).mount(router);
    new UserApi(users, hasher, authn, this::activity, config.nodeId(), revocations).mount(router);
    new HostApi(vertx, hostStore, authn, bus, this::activity, config.nodeId()).mount(router);
    // terminal sockets check Origin like the bridge does
    router.route("/ws/*").handler(origins.guard("open a terminal"));
    new TerminalApi(vertx, authn, bus, bridge.subscriptions(), bridge.caps(), clients, tokens, revocations, telemetry.terminalHops())
        .mount(router);
    new RecordingApi(authn, bus).mount(router);
    new OperationApi(authn, bus).mount(router);
    services.mount(router, authn, this::activity);
    ErrorCodeTable.mount(router);
    router.get("/metrics").handler(new MetricsAccess(config.connections().metricsToken(), tokens, clients));
    health.mount(router);
    new BridgeRoutes(vertx, bridge, tokens, origins, this::activity, config.nodeId(),
        SockJsOptions.forFrames(config.bridge().maxFrameBytes(), config.allowedOrigins()), clients).mount(router);
    ConsoleRoutes.mount(router, vertx);
    BuildAnnouncer.register(vertx, config.nodeId());

    router.route().failureHandler(ApiErrors::handle);
    router.route().last().handler(ctx -> ApiErrors.send(ctx, ErrorCode.NOT_FOUND, "no such resource: " + ctx.request().path()));
    return router;
  }
}
