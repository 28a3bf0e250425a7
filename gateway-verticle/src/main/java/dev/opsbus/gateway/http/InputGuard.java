package dev.opsbus.gateway.http;

import dev.opsbus.model.ErrorCode;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;

/**
 * Refuses, before any handler sees them, inputs no handler can store or pass on: a NUL character in
 * the path, a query parameter or any string of a JSON body (PostgreSQL refuses NUL in text and
 * would answer with an error of its own), and a query string or path that does not decode. Each
 * refusal is a 400 {@code invalid_request} naming the part at fault.
 */
public final class InputGuard {

  private static final int MAX_DEPTH = 64;

  private InputGuard() {
  }

  /**
   * Wraps the router: a path with a broken percent escape ({@code %zz}, a trailing {@code %}) makes
   * vertx-web answer a plain-text 400 before any route runs, so it is refused here in the API's form.
   */
  public static Handler<HttpServerRequest> beforeRouter(Handler<HttpServerRequest> router) {
    return req -> {
      if (escapesAreWellFormed(req.path())) {
        router.handle(req);
        return;
      }
      HttpServerResponse res = req.response();
      SecurityHeaders.apply(res);
      res.setStatusCode(ErrorCode.INVALID_REQUEST.httpStatus()).putHeader("content-type", "application/json")
          .end(new JsonObject().put("error", ErrorCode.INVALID_REQUEST.wireName())
              .put("message", "the path is not validly percent-encoded").encode());
    };
  }

  static boolean escapesAreWellFormed(String path) {
    if (path == null) {
      return true;
    }
    for (int i = path.indexOf('%'); i >= 0; i = path.indexOf('%', i + 1)) {
      if (i + 2 >= path.length() || Character.digit(path.charAt(i + 1), 16) < 0 || Character.digit(path.charAt(i + 2), 16) < 0) {
        return false;
      }
    }
    return true;
  }

  public static void handle(RoutingContext ctx) {
    String problem = problem(ctx);
    if (problem != null) {
      ApiErrors.send(ctx, ErrorCode.INVALID_REQUEST, problem);
      return;
    }
    ctx.next();
  }

  private static String problem(RoutingContext ctx) {
    String path = ctx.request().path();
    if (path != null) {
      try {
        if (decode(path).indexOf('\0') >= 0) {
          return "the path may not contain a NUL character";
        }
      } catch (IllegalArgumentException e) {
        return "the path is not validly percent-encoded";
      }
    }
    MultiMap query;
    try {
      query = ctx.queryParams();
    } catch (RuntimeException e) {
      // vertx-web wraps the decoder's IllegalArgumentException in a 400 HttpException
      return "the query string is not validly percent-encoded";
    }
    for (Map.Entry<String, String> e : query) {
      if (e.getKey().indexOf('\0') >= 0 || e.getValue().indexOf('\0') >= 0) {
        return "query parameter '" + printable(e.getKey()) + "' may not contain a NUL character";
      }
    }
    if (ctx.body() == null || ctx.body().buffer() == null || ctx.body().length() <= 0) {
      return null;
    }
    Object body;
    try {
      body = Json.decodeValue(ctx.body().buffer());
    } catch (DecodeException e) {
      // not JSON: the handler that reads it answers invalid_json
      return null;
    }
    return nulIn(body, "", 0);
  }

  /** The first string in a JSON value (keys included) holding a NUL, as a refusal; null when none. */
  private static String nulIn(Object v, String where, int depth) {
    if (depth > MAX_DEPTH) {
      return "the body is nested deeper than " + MAX_DEPTH + " levels";
    }
    if (v instanceof String s) {
      return s.indexOf('\0') >= 0 ? "field '" + (where.isEmpty() ? "(body)" : where) + "' may not contain a NUL character" : null;
    }
    if (v instanceof JsonObject o) {
      for (Map.Entry<String, Object> e : o) {
        String at = where.isEmpty() ? e.getKey() : where + "." + e.getKey();
        if (e.getKey().indexOf('\0') >= 0) {
          return "a field name in '" + (where.isEmpty() ? "(body)" : where) + "' may not contain a NUL character";
        }
        String p = nulIn(e.getValue(), printable(at), depth + 1);
        if (p != null) {
          return p;
        }
      }
    } else if (v instanceof Map<?, ?> m) {
      return nulIn(new JsonObject(cast(m)), where, depth);
    } else if (v instanceof java.util.List<?> l) {
      return nulIn(new JsonArray(l), where, depth);
    } else if (v instanceof JsonArray a) {
      for (int i = 0; i < a.size(); i++) {
        String p = nulIn(a.getValue(i), where + "[" + i + "]", depth + 1);
        if (p != null) {
          return p;
        }
      }
    }
    return null;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> cast(Map<?, ?> m) {
    return (Map<String, Object>) m;
  }

  private static String decode(String raw) {
    return io.netty.handler.codec.http.QueryStringDecoder.decodeComponent(raw);
  }

  private static String printable(String s) {
    String t = s.replace('\0', '?');
    return t.length() > 64 ? t.substring(0, 64) + "..." : t;
  }
}
