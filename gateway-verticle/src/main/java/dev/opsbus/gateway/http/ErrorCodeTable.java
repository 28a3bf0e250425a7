package dev.opsbus.gateway.http;

import dev.opsbus.model.ErrorCode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/**
 * {@code GET /api/error-codes}: every {@link ErrorCode} with its wire name, bus failure code and
 * HTTP status, open to anyone. The console reads its code table from here instead of keeping a
 * copy, so a code added on the server is known to the browser at once.
 */
public final class ErrorCodeTable {

  public static final String PATH = "/api/error-codes";

  private ErrorCodeTable() {
  }

  /** The table, in the enum's order: {@code [{"code", "failureCode", "httpStatus"}, ...]}. */
  public static JsonArray table() {
    JsonArray rows = new JsonArray();
    for (ErrorCode c : ErrorCode.values()) {
      rows.add(new JsonObject().put("code", c.wireName()).put("failureCode", c.failureCode()).put("httpStatus", c.httpStatus()));
    }
    return rows;
  }

  public static void mount(Router router) {
    String body = table().encode();
    router.get(PATH).handler(ctx -> ctx.response()
        .putHeader("content-type", "application/json")
        // it changes only with a new build; revalidating is cheap and picks a new build up at once
        .putHeader("cache-control", "no-cache")
        .end(body));
  }
}
