package dev.opsbus.gateway.bridge.sockjs;

import dev.opsbus.gateway.bridge.NettyChannels;
import io.netty.channel.Channel;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SockJS server of the bridge: every transport sockjs-client 1.6 offers (websocket,
 * xhr-streaming, xhr-polling, eventsource, htmlfile, jsonp-polling, and their iframe forms), the
 * info and iframe documents, and request bodies bounded as the bridge's frames are.
 *
 * <p>opsbus serves SockJS itself rather than through vertx-web's {@code SockJSHandler}, whose
 * session drops the frames still waiting when the application closes it and always ends with
 * {@code c[3000,"Go away!"]}: here every close is the application's own code and reason, after
 * everything written before it (see {@link SockJsSession}).
 *
 * <p>One periodic sweep per node, not a timer per session, sends the heartbeats and forgets the
 * sessions whose client left. A session lives on the loop of the request that opened it; a later
 * request of the session on another of the gateway's loops hands its part over to that one.
 */
public final class SockJsServer {

  private static final Logger LOG = LoggerFactory.getLogger(SockJsServer.class);

  /** {@code /{server}/{session}/{transport}}; ids have no dots or slashes. */
  private static final String SESSION_PATH = "\\/(?<server>[^\\/.]+)\\/(?<session>[^\\/.]+)\\/(?<transport>[a-z_]+)";
  private static final Pattern CALLBACK = Pattern.compile("[a-zA-Z0-9_.-]{1,64}");
  private static final long ONE_YEAR_SECONDS = 365L * 24 * 3600;

  private final Vertx vertx;
  private final SockJsOptions options;
  private final BiConsumer<SockJsSession, RoutingContext> onOpen;
  /** Sessions are opened and looked up from every accept loop. */
  private final Map<String, SockJsSession> byId = new java.util.concurrent.ConcurrentHashMap<>();
  private final Set<SockJsSession> live = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final SecureRandom random = new SecureRandom();
  private final String iframePage;
  private final String iframeEtag;
  private final String frameAncestors;

  /**
   * @param onOpen called with each new session and the request that opened it (its handshake's
   *     results are on the routing context; the context is not kept)
   */
  public SockJsServer(Vertx vertx, SockJsOptions options, BiConsumer<SockJsSession, RoutingContext> onOpen) {
    this.vertx = vertx;
    this.options = options;
    this.onOpen = onOpen;
    this.iframePage = SockJsPages.iframe(options.libraryUrl());
    this.iframeEtag = SockJsPages.etag(iframePage);
    this.frameAncestors = options.frameAncestors().contains("*") ? "*"
        : String.join(" ", java.util.stream.Stream.concat(java.util.stream.Stream.of("'self'"), options.frameAncestors().stream()).toList());
    long period = Math.max(100, Math.min(1_000, Math.min(options.heartbeat().toMillis(), options.disconnectDelay().toMillis()) / 5));
    // a timer of the gateway's context: undeploying the gateway cancels it
    vertx.setPeriodic(period, id -> sweep());
  }

  /** The routes, to mount where the bridge lives ({@code /eventbus/*}). */
  public Router router() {
    Router router = Router.router(vertx);
    router.get("/").handler(ctx -> ctx.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=UTF-8").end("Welcome to SockJS!\n"));
    router.get("/info").handler(this::info);
    router.options("/info").handler(ctx -> preflight(ctx, "OPTIONS, GET"));
    router.get("/iframe.html").handler(this::iframe);
    router.getWithRegex("\\/iframe-[^\\/]*\\.html").handler(this::iframe);
    router.routeWithRegex(SESSION_PATH).handler(this::session);
    return router;
  }

  SockJsOptions options() {
    return options;
  }

  void remove(SockJsSession s) {
    live.remove(s);
    if (s.id() != null) {
      byId.remove(s.id(), s);
    }
  }

  private void sweep() {
    if (live.isEmpty()) {
      return;
    }
    long now = System.nanoTime();
    long heartbeat = options.heartbeat().toNanos();
    long disconnect = options.disconnectDelay().toNanos();
    for (SockJsSession s : List.copyOf(live)) {
      s.run(() -> s.sweep(now, heartbeat, disconnect));
    }
  }

  private void session(RoutingContext ctx) {
    HttpMethod method = ctx.request().method();
    String transport = ctx.pathParam("transport");
    if (!"websocket".equals(transport)) {
      // a load balancer sticks the polling transports on it (see AffinityCookie)
      AffinityCookie.apply(ctx.request(), ctx.response());
    }
    switch (transport) {
      case "websocket" -> {
        if (method == HttpMethod.GET) {
          websocket(ctx);
        } else {
          notAllowed(ctx, "GET");
        }
      }
      case "xhr", "xhr_streaming", "xhr_send" -> {
        if (method == HttpMethod.OPTIONS) {
          preflight(ctx, "OPTIONS, POST");
        } else if (method != HttpMethod.POST) {
          notAllowed(ctx, "OPTIONS, POST");
        } else if ("xhr_send".equals(transport)) {
          send(ctx, false);
        } else {
          receive(ctx, "xhr".equals(transport) ? HttpReceiver.Kind.XHR : HttpReceiver.Kind.XHR_STREAMING, null);
        }
      }
      case "eventsource" -> {
        if (method == HttpMethod.GET) {
          receive(ctx, HttpReceiver.Kind.EVENTSOURCE, null);
        } else {
          notAllowed(ctx, "GET");
        }
      }
      case "htmlfile", "jsonp" -> {
        if (method != HttpMethod.GET) {
          notAllowed(ctx, "GET");
          return;
        }
        String callback = ctx.request().getParam("c") != null ? ctx.request().getParam("c") : ctx.request().getParam("callback");
        if (callback == null || !CALLBACK.matcher(callback).matches()) {
          plain(ctx, 400, callback == null ? "\"callback\" parameter required\n" : "invalid \"callback\" parameter\n");
          return;
        }
        receive(ctx, "jsonp".equals(transport) ? HttpReceiver.Kind.JSONP : HttpReceiver.Kind.HTMLFILE, callback);
      }
      case "jsonp_send" -> {
        if (method == HttpMethod.POST) {
          send(ctx, true);
        } else {
          notAllowed(ctx, "POST");
        }
      }
      default -> ctx.next();
    }
  }

  private void websocket(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    if (!req.canUpgradeToWebSocket()) {
      plain(ctx, 400, "Can \"Upgrade\" only to \"WebSocket\".\n");
      return;
    }
    String remote = String.valueOf(req.remoteAddress());
    Channel channel = NettyChannels.of(req);
    req.toWebSocket().onSuccess(ws -> {
      NettyChannels.directWrites(channel); // no idle cross-thread write queue
      SockJsSession s = new SockJsSession(this, null, "websocket", remote);
      WebSocketReceiver r = new WebSocketReceiver(ws);
      ws.textMessageHandler(text -> received(s, text));
      ws.frameHandler(frame -> {
        if (frame.isPing() || frame.type() == io.vertx.core.http.WebSocketFrameType.PONG) {
          s.activity();
        }
      });
      ws.closeHandler(v -> s.receiverGone(r));
      live.add(s);
      s.attach(r);
      onOpen.accept(s, ctx);
      // Vert.x keeps the upgrade request for the socket's life; its headers were read by the handshake
      try {
        req.headers().clear();
      } catch (IllegalStateException | UnsupportedOperationException readOnly) {
        // a read-only request: the headers stay
      }
    }).onFailure(err -> {
      if (!ctx.response().ended()) {
        plain(ctx, 400, "WebSocket upgrade failed: " + err.getMessage() + "\n");
      }
    });
  }

  /** A WebSocket message: a JSON array of messages, or one; anything else goes on as one message the bridge will refuse. */
  private static void received(SockJsSession s, String text) {
    List<String> messages = SockJsFrames.webSocketMessages(text);
    if (!messages.isEmpty()) {
      s.receive(messages);
    }
  }

  /** A receiving request of a fallback transport: opens the session when it is the first. */
  private void receive(RoutingContext ctx, HttpReceiver.Kind kind, String callback) {
    String id = ctx.pathParam("session");
    SockJsSession s = byId.get(id);
    boolean opened = false;
    if (s == null) {
      SockJsSession made = new SockJsSession(this, id, kind.transportName, String.valueOf(ctx.request().remoteAddress()));
      s = byId.putIfAbsent(id, made);
      if (s == null) {
        s = made;
        opened = true;
        live.add(s);
      }
    }
    HttpServerResponse resp = ctx.response();
    noCache(resp);
    cors(ctx);
    HttpReceiver r = new HttpReceiver(kind, resp, callback, options.maxBytesStreaming());
    SockJsSession session = s;
    boolean first = opened;
    resp.closeHandler(v -> session.run(() -> session.receiverGone(r)));
    // opened here: on this loop; a later poll of it from another loop hands over
    session.run(() -> {
      session.attach(r);
      if (first) {
        LOG.debug("sockjs session {} opened over {} from {}", id, kind.transportName, session.remoteAddress());
        onOpen.accept(session, ctx);
      }
    });
  }

  /** {@code xhr_send} and {@code jsonp_send}: messages from the client, in a body no larger than the bound. */
  private void send(RoutingContext ctx, boolean jsonp) {
    SockJsSession s = byId.get(ctx.pathParam("session"));
    if (s == null) {
      ctx.request().resume();
      ctx.response().setStatusCode(404).end();
      return;
    }
    int limit = options.maxRequestBytes();
    RequestBodies.read(ctx.request(), limit, body -> {
      String text = body.toString(java.nio.charset.StandardCharsets.UTF_8);
      if (jsonp && isForm(ctx.request())) {
        text = SockJsFrames.formEnvelope(text);
        if (text == null) {
          plain(ctx, 400, "Broken form encoding: \"d\" does not percent-decode.\n");
          return;
        }
      }
      if (text.isEmpty()) {
        plain(ctx, 400, "Payload expected.\n");
        return;
      }
      List<String> messages = SockJsFrames.decode(text);
      if (messages == null) {
        plain(ctx, 400, "Broken JSON encoding: a JSON array of strings expected.\n");
        return;
      }
      // a closing session takes nothing more, but answers as usual: an error here would make
      // sockjs-client close with "Sending error" before it reads the close frame and its reason
      s.run(() -> s.receive(messages));
      HttpServerResponse resp = ctx.response();
      noCache(resp);
      cors(ctx);
      resp.putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=UTF-8");
      if (jsonp) {
        resp.end("ok");
      } else {
        resp.setStatusCode(204).end();
      }
    }, size -> {
      // The client learns why on its receiving side: the err frame, then the close frame. An error
      // status here would race them (sockjs-client closes with "Sending error" on it), and a client
      // that read the close frame aborts this request; so the 413 goes only to a client still
      // waiting after the disconnect delay.
      s.run(() -> s.oversized(size));
      HttpServerResponse resp = ctx.response();
      long timer = vertx.setTimer(options.disconnectDelay().toMillis(), t -> {
        if (!resp.ended() && !resp.closed()) {
          // the rest of the body is not read: the connection goes with the answer
          resp.putHeader(HttpHeaders.CONNECTION, "close");
          plain(ctx, 413, "request body of " + size + " bytes is over the limit of " + limit + " bytes\n")
              .onComplete(v -> ctx.request().connection().close());
        }
      });
      resp.closeHandler(v -> vertx.cancelTimer(timer));
    }, problem -> plain(ctx, 400, problem + "\n"));
  }

  private static boolean isForm(HttpServerRequest req) {
    String ct = req.getHeader(HttpHeaders.CONTENT_TYPE);
    return ct != null && ct.toLowerCase(java.util.Locale.ROOT).startsWith("application/x-www-form-urlencoded");
  }

  private void info(RoutingContext ctx) {
    noCache(ctx.response());
    AffinityCookie.apply(ctx.request(), ctx.response());
    cors(ctx);
    JsonObject info = new JsonObject()
        .put("websocket", true)
        .put("cookie_needed", true)
        .put("origins", new JsonArray().add("*:*"))
        .put("entropy", Integer.toUnsignedLong(random.nextInt()));
    ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json; charset=UTF-8").end(info.encode());
  }

  private void iframe(RoutingContext ctx) {
    HttpServerResponse resp = ctx.response();
    // only the node's own pages (and allowed origins) may frame it: elsewhere it would relay for a stranger
    resp.putHeader("Content-Security-Policy", "frame-ancestors " + frameAncestors);
    if (iframeEtag.equals(ctx.request().getHeader(HttpHeaders.IF_NONE_MATCH))) {
      resp.setStatusCode(304).end();
      return;
    }
    resp.putHeader(HttpHeaders.CONTENT_TYPE, "text/html; charset=UTF-8")
        .putHeader(HttpHeaders.CACHE_CONTROL, "public, max-age=" + ONE_YEAR_SECONDS)
        .putHeader(HttpHeaders.ETAG, iframeEtag)
        .end(iframePage);
  }

  private void preflight(RoutingContext ctx, String methods) {
    cors(ctx);
    ctx.response().setStatusCode(204)
        .putHeader(HttpHeaders.CACHE_CONTROL, "public, max-age=" + ONE_YEAR_SECONDS)
        .putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_METHODS, methods)
        .putHeader(HttpHeaders.ACCESS_CONTROL_MAX_AGE, String.valueOf(ONE_YEAR_SECONDS))
        .end();
  }

  /**
   * The gateway's handshake already refused foreign origins, so the one asking may read the answer,
   * with its cookie.
   */
  private static void cors(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    String origin = req.getHeader(HttpHeaders.ORIGIN);
    HttpServerResponse resp = ctx.response();
    if (origin == null) {
      resp.putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
    } else {
      resp.putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, origin)
          .putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true")
          .putHeader(HttpHeaders.VARY, "Origin");
    }
    String asked = req.getHeader(HttpHeaders.ACCESS_CONTROL_REQUEST_HEADERS);
    if (asked != null) {
      resp.putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_HEADERS, asked);
    }
  }

  private static void noCache(HttpServerResponse resp) {
    resp.putHeader(HttpHeaders.CACHE_CONTROL, "no-store, no-cache, no-transform, must-revalidate, max-age=0");
  }

  private static void notAllowed(RoutingContext ctx, String allow) {
    ctx.response().putHeader(HttpHeaders.ALLOW, allow);
    plain(ctx, 405, "");
  }

  private static io.vertx.core.Future<Void> plain(RoutingContext ctx, int status, String text) {
    ctx.request().resume();
    return ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=UTF-8").end(text);
  }
}
