package dev.opsbus.gateway.http;

import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.db.StoreFailures;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that turns a failure into an HTTP answer: {@code {"error": code, "message": sentence}}
 * with the code's status. Unexpected failures are logged with an id the client also gets.
 */
public final class ApiErrors {

  private static final Logger LOG = LoggerFactory.getLogger(ApiErrors.class);

  private ApiErrors() {
  }

  public static void send(RoutingContext ctx, ErrorCode code, String message) {
    if (ctx.response().ended()) {
      return;
    }
    SecurityHeaders.apply(ctx.response());
    if (code == ErrorCode.STORE_UNAVAILABLE || code == ErrorCode.NODE_DRAINING) {
      // the client should simply come back: a database outage or a node going away is short
      ctx.response().putHeader("retry-after", String.valueOf(StoreFailures.RETRY_AFTER_SECONDS));
    }
    ctx.response()
        .setStatusCode(code.httpStatus())
        .putHeader("content-type", "application/json")
        .end(new JsonObject().put("error", code.wireName()).put("message", message).encode());
  }

  public static void fail(RoutingContext ctx, Throwable err) {
    // a database that is away is the client's "try again", not our internal error
    err = StoreFailures.classify(err);
    if (err instanceof OpsbusException oe && oe.code() != ErrorCode.INTERNAL_ERROR) {
      send(ctx, oe.code(), oe.getMessage());
      return;
    }
    if (err instanceof HttpException he && he.getStatusCode() >= 400 && he.getStatusCode() < 500) {
      sendStatus(ctx, he.getStatusCode());
      return;
    }
    // an internal failure's text (a service's exception, a database message) stays in the log
    String id = UUID.randomUUID().toString().substring(0, 8);
    LOG.error("request {} {} failed (error id {})", ctx.request().method(), ctx.request().path(), id, err);
    send(ctx, ErrorCode.INTERNAL_ERROR, "the server failed to handle this request (error id " + id + ")");
  }

  /** Router failure handler: status-only failures (404, 405, 413 from body limits) get the JSON form too. */
  public static void handle(RoutingContext ctx) {
    Throwable err = ctx.failure();
    if (err != null) {
      fail(ctx, err);
      return;
    }
    sendStatus(ctx, ctx.statusCode());
  }

  private static void sendStatus(RoutingContext ctx, int status) {
    switch (status) {
      case 404 -> send(ctx, ErrorCode.NOT_FOUND, "no such resource: " + ctx.request().path());
      case 405 -> send(ctx, ErrorCode.INVALID_REQUEST, "method " + ctx.request().method() + " is not allowed on " + ctx.request().path());
      case 413 -> send(ctx, ErrorCode.TOO_LARGE, "request body is too large");
      case 415 -> send(ctx, ErrorCode.UNSUPPORTED_MEDIA_TYPE, "this content type is not accepted here");
      default -> {
        if (status >= 400 && status < 500) {
          send(ctx, ErrorCode.INVALID_REQUEST, "the request is malformed");
        } else {
          send(ctx, ErrorCode.INTERNAL_ERROR, "the request failed with status " + status);
        }
      }
    }
  }
}
