package dev.opsbus.gateway.terminal;

import dev.opsbus.gateway.bridge.ConnectionCaps;
import dev.opsbus.gateway.bridge.NettyChannels;
import dev.opsbus.gateway.auth.TokenRevocations;
import dev.opsbus.gateway.auth.TokenService;
import dev.opsbus.gateway.bridge.SubscriptionIndex;
import dev.opsbus.gateway.http.ApiErrors;
import dev.opsbus.gateway.http.Authn;
import dev.opsbus.gateway.http.Bodies;
import dev.opsbus.gateway.http.BusCalls;
import dev.opsbus.gateway.http.ClientAddress;
import dev.opsbus.gateway.http.ConnectionLimits;
import dev.opsbus.model.Addresses;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.Principal;
import dev.opsbus.model.Role;
import dev.opsbus.model.wire.TerminalRequest;
import dev.opsbus.gateway.telemetry.TerminalHops;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.regex.Pattern;

/**
 * Terminals over HTTP ({@code POST /api/hosts/{hostId}/terminals}, {@code GET /api/terminals},
 * join, invite, close, recording) and the terminal WebSocket {@code /ws/terminal/{sessionId}}. The
 * SSH relay decides; this class asks it on the user's behalf and passes its answer or refusal on.
 */
public final class TerminalApi {

  static final Pattern SESSION_ID = Pattern.compile("^[A-Za-z0-9_-]{1,128}$");

  private final Vertx vertx;
  private final Authn authn;
  private final BusCalls bus;
  private final SubscriptionIndex index;
  private final ConnectionCaps caps;
  private final ClientAddress clients;
  private final TokenService tokens;
  private final TokenRevocations revocations;
  private final TerminalHops hops;

  /**
   * @param caps the node's socket caps (shared with the bridge): terminal sockets per user, per address, per node
   * @param tokens and {@code revocations}: a terminal socket lives by its token (expiry, renewal, revocation)
   * @param hops where the sockets record a timed keystroke's echo, hop by hop
   */
  public TerminalApi(Vertx vertx, Authn authn, BusCalls bus, SubscriptionIndex index, ConnectionCaps caps, ClientAddress clients,
      TokenService tokens, TokenRevocations revocations, TerminalHops hops) {
    this.hops = hops;
    this.caps = caps;
    this.clients = clients;
    this.vertx = vertx;
    this.tokens = tokens;
    this.revocations = revocations;
    this.authn = authn;
    this.bus = bus;
    this.index = index;
  }

  public void mount(Router router) {
    router.post("/api/hosts/:hostId/terminals").handler(authn.required()).handler(this::open);
    router.route("/api/terminals*").handler(authn.required());
    router.get("/api/terminals").handler(ctx -> relay(ctx, Addresses.SSH_LIST, new JsonObject(), 200));
    router.post("/api/terminals/:sid/join").handler(this::join);
    router.post("/api/terminals/:sid/invite").handler(this::invite);
    router.delete("/api/terminals/:sid").handler(ctx -> relay(ctx, Addresses.SSH_CLOSE, TerminalRequest.of(sid(ctx)).toJson(), 200));
    router.get("/api/terminals/:sid/recording").handler(Authn.role(Role.ADMIN)).handler(this::recording);
    router.get("/ws/terminal/:sid").handler(authn.required()).handler(this::socket);
  }

  private static String sid(RoutingContext ctx) {
    String sid = ctx.pathParam("sid");
    if (!SESSION_ID.matcher(sid).matches()) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "not a session id: " + sid);
    }
    return sid;
  }

  private void open(RoutingContext ctx) {
    JsonObject b = ctx.body().length() == 0 ? new JsonObject() : Bodies.object(ctx);
    Integer cols = Bodies.optionalInt(b, "cols", 1, 1000);
    Integer rows = Bodies.optionalInt(b, "rows", 1, 1000);
    relay(ctx, Addresses.SSH_OPEN, TerminalRequest.open(ctx.pathParam("hostId"), cols == null ? 80 : cols, rows == null ? 24 : rows).toJson(), 201);
  }

  private void join(RoutingContext ctx) {
    JsonObject b = Bodies.object(ctx);
    String mode = Bodies.requiredString(b, "mode", 10);
    checkMode(mode);
    relay(ctx, Addresses.SSH_JOIN, TerminalRequest.join(sid(ctx), mode).toJson(), 200);
  }

  private void invite(RoutingContext ctx) {
    JsonObject b = Bodies.object(ctx);
    String mode = Bodies.requiredString(b, "mode", 10);
    checkMode(mode);
    relay(ctx, Addresses.SSH_INVITE, TerminalRequest.invite(sid(ctx), Bodies.requiredString(b, "username", 63), mode).toJson(), 200);
  }

  private static void checkMode(String mode) {
    if (!mode.equals(TerminalRequest.WRITE) && !mode.equals(TerminalRequest.VIEW)) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "field 'mode' must be \"" + TerminalRequest.WRITE + "\" or \"" + TerminalRequest.VIEW + "\"");
    }
  }

  private void recording(RoutingContext ctx) {
    bus.<Object>request(Addresses.SSH_RECORDING, TerminalRequest.of(sid(ctx)).toJson(), Authn.principal(ctx), "SSH relay")
        .onSuccess(cast -> ctx.response().putHeader("content-type", "application/x-asciicast").end(String.valueOf(cast)))
        .onFailure(err -> ApiErrors.fail(ctx, err));
  }

  private void relay(RoutingContext ctx, String address, JsonObject body, int status) {
    bus.<Object>request(address, body, Authn.principal(ctx), "SSH relay")
        .onSuccess(reply -> {
          ctx.response().setStatusCode(status);
          if (reply instanceof JsonObject o) {
            ctx.json(o);
          } else if (reply instanceof JsonArray a) {
            ctx.json(a);
          } else {
            ctx.json(new JsonObject().put("result", reply));
          }
        })
        .onFailure(err -> ApiErrors.fail(ctx, err));
  }

  private void socket(RoutingContext ctx) {
    String sid = sid(ctx);
    Principal p = Authn.principal(ctx);
    TerminalToken auth = new TerminalToken(vertx, tokens, revocations, p, Authn.token(ctx));
    io.netty.channel.Channel channel = NettyChannels.of(ctx.request());
    ConnectionCaps.Ticket ticket;
    OpsbusException refused = null;
    try {
      ticket = caps.admitTerminal(clients.of(ctx.request()), p.username());
    } catch (OpsbusException e) {
      ticket = null;
      refused = e;
    }
    ConnectionCaps.Ticket admitted = ticket;
    OpsbusException refusal = refused;
    ctx.request().toWebSocket()
        .onSuccess(ws -> {
          if (refusal != null) {
            TerminalRefusal.closeWith(ws, refusal);
            return;
          }
          if (channel != null) {
            NettyChannels.directWrites(channel); // no idle cross-thread write queue (docs/BENCHMARKS.md)
            channel.closeFuture().addListener(f -> caps.release(admitted));
          } else {
            caps.release(admitted);
          }
          new TerminalSocket(vertx, ws, index, bus, sid, auth, hops).start();
        })
        .onFailure(err -> {
          caps.release(admitted);
          org.slf4j.LoggerFactory.getLogger(TerminalApi.class).warn("terminal socket upgrade for session {} failed: {}", sid, err.toString());
          ApiErrors.send(ctx, ErrorCode.INVALID_REQUEST, "this address takes a WebSocket upgrade");
        });
  }
}
