package dev.opsbus.gateway.terminal;

import dev.opsbus.gateway.auth.TokenRevocations;
import dev.opsbus.gateway.auth.TokenService;
import dev.opsbus.gateway.bridge.SubscriptionIndex;
import dev.opsbus.gateway.http.ApiErrors;
import dev.opsbus.gateway.http.Authn;
import dev.opsbus.gateway.http.Bodies;
import dev.opsbus.gateway.http.BusCalls;
import dev.opsbus.model.Addresses;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.Principal;
import dev.opsbus.model.Role;
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
  private final TokenService tokens;
  private final TokenRevocations revocations;

  public TerminalApi(Vertx vertx, Authn authn, BusCalls bus, SubscriptionIndex index, TokenService tokens, TokenRevocations revocations) {
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
    router.delete("/api/terminals/:sid").handler(ctx -> relay(ctx, Addresses.SSH_CLOSE, new JsonObject().put("sessionId", sid(ctx)), 200));
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
    JsonObject req = new JsonObject().put("hostId", ctx.pathParam("hostId")).put("cols", cols == null ? 80 : cols).put("rows", rows == null ? 24 : rows);
    relay(ctx, Addresses.SSH_OPEN, req, 201);
  }

  private void join(RoutingContext ctx) {
    JsonObject b = Bodies.object(ctx);
    String mode = Bodies.requiredString(b, "mode", 10);
    if (!mode.equals("write") && !mode.equals("view")) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "field 'mode' must be \"write\" or \"view\"");
    }
    relay(ctx, Addresses.SSH_JOIN, new JsonObject().put("sessionId", sid(ctx)).put("mode", mode), 200);
  }

  private void invite(RoutingContext ctx) {
    JsonObject b = Bodies.object(ctx);
    String mode = Bodies.requiredString(b, "mode", 10);
    if (!mode.equals("write") && !mode.equals("view")) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "field 'mode' must be \"write\" or \"view\"");
    }
    relay(ctx, Addresses.SSH_INVITE, new JsonObject().put("sessionId", sid(ctx)).put("username", Bodies.requiredString(b, "username", 63))
        .put("mode", mode), 200);
  }

  private void recording(RoutingContext ctx) {
    bus.<Object>request(Addresses.SSH_RECORDING, new JsonObject().put("sessionId", sid(ctx)), Authn.principal(ctx), "SSH relay")
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
    TerminalToken auth = new TerminalToken(vertx, tokens, revocations, Authn.principal(ctx), Authn.token(ctx));
    ctx.request().toWebSocket()
        .onSuccess(ws -> new TerminalSocket(vertx, ws, index, bus, sid, auth).start())
        .onFailure(err -> {
          org.slf4j.LoggerFactory.getLogger(TerminalApi.class).warn("terminal socket upgrade for session {} failed: {}", sid, err.toString());
          ApiErrors.send(ctx, ErrorCode.INVALID_REQUEST, "this address takes a WebSocket upgrade");
        });
  }
}
