package dev.opsbus.gateway.recordings;

import dev.opsbus.gateway.http.ApiErrors;
import dev.opsbus.gateway.http.Authn;
import dev.opsbus.gateway.http.BusCalls;
import dev.opsbus.model.Addresses;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.Principal;
import dev.opsbus.model.Role;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.regex.Pattern;

/**
 * Terminal recordings for admins: {@code GET /api/recordings} (per host or session, newest first),
 * {@code GET /api/recordings/{sessionId}} (one entry) and {@code GET /api/recordings/{sessionId}/cast}
 * (the asciicast text). The relays keep them in the database and answer {@code recordings.list} and
 * {@code recordings.read} from any node; the cast is streamed to the client a page (about 1 MB) at a
 * time, the next page asked only once the previous one left the write queue.
 */
public final class RecordingApi {

  static final Pattern SESSION_ID = Pattern.compile("^[0-9a-f]{32}$");
  static final Pattern HOST_ID = Pattern.compile("^[A-Za-z0-9._-]{1,128}$");
  static final String CAST_TYPE = "application/x-asciicast";

  private final Authn authn;
  private final BusCalls bus;

  public RecordingApi(Authn authn, BusCalls bus) {
    this.authn = authn;
    this.bus = bus;
  }

  public void mount(Router router) {
    router.route("/api/recordings*").handler(authn.required()).handler(Authn.role(Role.ADMIN));
    router.get("/api/recordings").handler(this::list);
    router.get("/api/recordings/:sid").handler(this::one);
    router.get("/api/recordings/:sid/cast").handler(this::cast);
  }

  private void list(RoutingContext ctx) {
    JsonObject q = new JsonObject();
    String hostId = ctx.queryParams().get("hostId");
    if (hostId != null && !hostId.isEmpty()) {
      q.put("hostId", checked("hostId", hostId, HOST_ID));
    }
    String sid = ctx.queryParams().get("sessionId");
    if (sid != null && !sid.isEmpty()) {
      q.put("sessionId", checked("sessionId", sid, SESSION_ID));
    }
    String limit = ctx.queryParams().get("limit");
    if (limit != null) {
      q.put("limit", limit(limit));
    }
    bus.<JsonObject>request(Addresses.RECORDINGS_LIST, q, Authn.principal(ctx), "SSH relay")
        .onSuccess(ctx::json)
        .onFailure(err -> ApiErrors.fail(ctx, err));
  }

  private void one(RoutingContext ctx) {
    String sid = sid(ctx);
    bus.<JsonObject>request(Addresses.RECORDINGS_LIST, new JsonObject().put("sessionId", sid), Authn.principal(ctx), "SSH relay")
        .onSuccess(reply -> {
          JsonArray found = reply.getJsonArray("recordings");
          if (found == null || found.isEmpty()) {
            ApiErrors.send(ctx, ErrorCode.NOT_FOUND, "no recording of terminal " + sid);
          } else {
            ctx.json(found.getJsonObject(0));
          }
        })
        .onFailure(err -> ApiErrors.fail(ctx, err));
  }

  /** The first page decides the status (a refusal is a JSON error); the rest follow as the client takes them. */
  private void cast(RoutingContext ctx) {
    String sid = sid(ctx);
    Principal who = Authn.principal(ctx);
    page(sid, 0, who)
        .onSuccess(first -> {
          HttpServerResponse resp = ctx.response().setChunked(true).putHeader("content-type", CAST_TYPE + "; charset=utf-8")
              .putHeader("cache-control", "no-store");
          resp.write(first.getString("text", ""));
          pump(resp, sid, first.getInteger("next"), who);
        })
        .onFailure(err -> ApiErrors.fail(ctx, err));
  }

  private void pump(HttpServerResponse resp, String sid, Integer next, Principal who) {
    if (next == null) {
      resp.end();
      return;
    }
    if (resp.writeQueueFull()) {
      resp.drainHandler(v -> {
        resp.drainHandler(null);
        pump(resp, sid, next, who);
      });
      return;
    }
    page(sid, next, who)
        .onSuccess(p -> {
          if (resp.closed()) {
            return;
          }
          resp.write(p.getString("text", ""));
          pump(resp, sid, p.getInteger("next"), who);
        })
        // headers and part of the cast are out: a cut connection says the rest is missing
        .onFailure(err -> resp.reset());
  }

  private Future<JsonObject> page(String sid, int from, Principal who) {
    return bus.request(Addresses.RECORDINGS_READ, new JsonObject().put("sessionId", sid).put("from", from), who, "SSH relay");
  }

  private static String sid(RoutingContext ctx) {
    return checked("sessionId", ctx.pathParam("sid"), SESSION_ID);
  }

  private static String checked(String name, String v, Pattern shape) {
    if (!shape.matcher(v).matches()) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, name + ": not a " + (shape == SESSION_ID ? "session id (32 hex digits)" : "host id")
          + ": " + (v.length() > 64 ? v.substring(0, 64) + "..." : v));
    }
    return v;
  }

  private static int limit(String v) {
    try {
      int n = Integer.parseInt(v);
      if (n >= 1 && n <= 1000) {
        return n;
      }
    } catch (NumberFormatException e) {
      // said below
    }
    throw new OpsbusException(ErrorCode.INVALID_REQUEST, "limit: a whole number from 1 to 1000");
  }
}
