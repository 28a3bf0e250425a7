package dev.opsbus.gateway.bridge;

import dev.opsbus.gateway.auth.TokenService;
import dev.opsbus.gateway.http.ApiErrors;
import dev.opsbus.gateway.http.Authn;
import dev.opsbus.gateway.http.ClientAddress;
import dev.opsbus.gateway.http.UpgradeHold;
import dev.opsbus.gateway.loops.Loops;
import dev.opsbus.gateway.http.OriginPolicy;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.Principal;
import dev.opsbus.model.event.ActivityEvent;
import io.netty.channel.Channel;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import dev.opsbus.gateway.bridge.sockjs.SockJsOptions;
import dev.opsbus.gateway.bridge.sockjs.SockJsServer;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The bridge's HTTP side: every handshake under {@code /eventbus/} checks the origin and reads the
 * token (a bad one is remembered, not refused: the connection learns why at its first frame); then
 * {@code /eventbus/websocket} upgrades to a raw WebSocket and the rest is SockJS. Both hand the
 * socket to the {@link BridgeServer}.
 */
public final class BridgeRoutes {

  private static final String HANDSHAKE_PRINCIPAL = "opsbus.bridge.principal";
  private static final String HANDSHAKE_TOKEN = "opsbus.bridge.token";
  private static final String HANDSHAKE_PROBLEM = "opsbus.bridge.problem";
  private static final String HANDSHAKE_CLIENT = "opsbus.bridge.client";

  private final Vertx vertx;
  private final BridgeServer bridge;
  private final TokenService tokens;
  private final OriginPolicy origins;
  private final Consumer<ActivityEvent> activity;
  private final String nodeId;
  private final SockJsOptions sockJsOptions;
  private final ClientAddress clients;

  public BridgeRoutes(Vertx vertx, BridgeServer bridge, TokenService tokens, OriginPolicy origins,
      Consumer<ActivityEvent> activity, String nodeId, SockJsOptions sockJsOptions) {
    this(vertx, bridge, tokens, origins, activity, nodeId, sockJsOptions, ClientAddress.direct());
  }

  /** @param clients names the client of a handshake (per-address socket cap) */
  public BridgeRoutes(Vertx vertx, BridgeServer bridge, TokenService tokens, OriginPolicy origins,
      Consumer<ActivityEvent> activity, String nodeId, SockJsOptions sockJsOptions, ClientAddress clients) {
    this.clients = clients;
    this.vertx = vertx;
    this.bridge = bridge;
    this.tokens = tokens;
    this.origins = origins;
    this.activity = activity;
    this.nodeId = nodeId;
    this.sockJsOptions = sockJsOptions;
  }

  public void mount(Router router) {
    // origin and token checked on every handshake, for every transport
    router.route("/eventbus/*").handler(this::handshake);
    router.get("/eventbus/websocket").handler(this::rawWebSocket);
    // every SockJS transport, served by the bridge's own SockJS server (see bridge/sockjs)
    SockJsServer sockJs = new SockJsServer(vertx, sockJsOptions,
        (session, rc) -> bridge.accept(session, rc.get(HANDSHAKE_CLIENT), rc.get(HANDSHAKE_PRINCIPAL), rc.get(HANDSHAKE_TOKEN), rc.get(HANDSHAKE_PROBLEM)));
    router.route("/eventbus/*").subRouter(sockJs.router());
  }

  private void handshake(RoutingContext ctx) {
    String client = clients.of(ctx.request());
    ctx.put(HANDSHAKE_CLIENT, client);
    if (!origins.allows(ctx.request())) {
      String origin = ctx.request().getHeader("Origin");
      // aggregated per client address: a flood of foreign handshakes is not a row each
      bridge.audit().refused("address " + client, null, null, ErrorCode.ORIGIN_NOT_ALLOWED, "handshake from a foreign origin refused",
          Map.of("origin", String.valueOf(origin), "path", ctx.request().path(), "remote", client));
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
    UpgradeHold.pauseIfUpgrade(ctx.request());
    // the handshake goes on on the request's own loop (a check may answer on another: a shared future)
    io.vertx.core.Context here = Loops.current();
    tokens.verify(token).onComplete(ar -> Loops.run(here, () -> {
      if (ar.succeeded()) {
        ctx.put(HANDSHAKE_PRINCIPAL, ar.result());
        ctx.put(HANDSHAKE_TOKEN, token);
      } else {
        ctx.put(HANDSHAKE_PROBLEM, ar.cause() instanceof OpsbusException oe ? oe.code() : ErrorCode.INVALID_TOKEN);
      }
      ctx.next();
    }));
  }

  private void rawWebSocket(RoutingContext ctx) {
    Principal principal = ctx.get(HANDSHAKE_PRINCIPAL);
    String token = ctx.get(HANDSHAKE_TOKEN);
    ErrorCode problem = ctx.get(HANDSHAKE_PROBLEM);
    // read before the upgrade: the bridge writes shared frames to it directly (see WebSocketTransport)
    Channel channel = NettyChannels.of(ctx.request());
    ctx.request().toWebSocket()
        .onSuccess(ws -> {
          // Vert.x keeps the upgrade request for the socket's whole life; its headers (cookie with
          // the token, user agent, ...) were checked in the handshake and are not read again
          try {
            ctx.request().headers().clear();
          } catch (IllegalStateException | UnsupportedOperationException readOnly) {
            // a read-only request: the headers stay, nothing else changes
          }
          // every write to it is on this event loop: no cross-thread write queue kept per socket
          NettyChannels.directWrites(channel);
          bridge.accept(ws, channel, ctx.get(HANDSHAKE_CLIENT), principal, token, problem);
        })
        .onFailure(err -> {
          if (!ctx.response().ended()) {
            ApiErrors.send(ctx, ErrorCode.INVALID_REQUEST, "this address takes a WebSocket upgrade: " + err.getMessage());
          }
        });
  }
}
