package dev.opsbus.gateway.http;

import dev.opsbus.gateway.auth.AccessPolicy;
import dev.opsbus.model.BusFailures;
import dev.opsbus.model.BusIdentity;
import dev.opsbus.model.Decision;
import dev.opsbus.model.Direction;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.Principal;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.IntConsumer;

/**
 * {@code POST /api/bus/publish} (one message, or {@code {"messages": [...]}} up to {@link #MAX_BATCH})
 * and {@code POST /api/bus/request}: the bus over HTTP for scripts and services, under the same
 * {@link AccessPolicy} and error codes as the bridge, with the caller's identity stamped and any
 * {@code opsbus-*} header it sent dropped. A batch is checked whole before anything is published:
 * one refused message refuses the batch.
 */
public final class BusApi {

  public static final int MAX_BATCH = 500;
  private static final int MAX_ADDRESS = 256;
  private static final int MAX_TIMEOUT_MS = 60_000;

  private final Vertx vertx;
  private final Authn authn;
  private final AccessPolicy access;
  private final long defaultTimeoutMs;
  private IntConsumer accepted = n -> { };

  public BusApi(Vertx vertx, Authn authn, AccessPolicy access, long defaultTimeoutMs) {
    this.vertx = vertx;
    this.authn = authn;
    this.access = access;
    this.defaultTimeoutMs = defaultTimeoutMs;
  }

  /** Told how many messages each accepted publish or request put on the bus (for {@code /metrics}). */
  public BusApi counting(IntConsumer messages) {
    this.accepted = messages;
    return this;
  }

  public void mount(Router router) {
    router.route("/api/bus/*").handler(authn.required());
    router.post("/api/bus/publish").handler(this::publish);
    router.post("/api/bus/request").handler(this::request);
  }

  private record Outgoing(String address, Object body, JsonObject headers) {
  }

  private void publish(RoutingContext ctx) {
    JsonObject body = Bodies.object(ctx);
    Principal p = Authn.principal(ctx);
    List<Outgoing> batch = new ArrayList<>();
    JsonArray messages = Bodies.optionalArray(body, "messages");
    if (messages != null) {
      if (messages.isEmpty() || messages.size() > MAX_BATCH) {
        throw new OpsbusException(ErrorCode.INVALID_REQUEST, "'messages' holds 1 to " + MAX_BATCH + " messages");
      }
      for (int i = 0; i < messages.size(); i++) {
        if (!(messages.getValue(i) instanceof JsonObject m)) {
          throw new OpsbusException(ErrorCode.INVALID_REQUEST, "messages[" + i + "] must be an object {address, body, headers}");
        }
        batch.add(outgoing(m, "messages[" + i + "]."));
      }
    } else {
      batch.add(outgoing(body, ""));
    }
    for (Outgoing o : batch) {
      allow(p, Direction.PUBLISH, o.address());
    }
    for (Outgoing o : batch) {
      vertx.eventBus().publish(o.address(), o.body(), options(o, p));
    }
    accepted.accept(batch.size());
    ctx.response().setStatusCode(202);
    ctx.json(new JsonObject().put("published", batch.size()));
  }

  private void request(RoutingContext ctx) {
    JsonObject body = Bodies.object(ctx);
    Principal p = Authn.principal(ctx);
    Outgoing o = outgoing(body, "");
    Integer timeout = Bodies.optionalInt(body, "timeoutMs", 1, MAX_TIMEOUT_MS);
    allow(p, Direction.REQUEST, o.address());
    DeliveryOptions opts = options(o, p).setSendTimeout(timeout == null ? defaultTimeoutMs : timeout);
    accepted.accept(1);
    vertx.eventBus().request(o.address(), o.body(), opts).onComplete(ar -> {
      if (ar.failed()) {
        ApiErrors.fail(ctx, BusFailures.explain(ar.cause(), "service at '" + o.address() + "'"));
        return;
      }
      JsonObject headers = new JsonObject();
      ar.result().headers().forEach(e -> {
        if (!e.getKey().toLowerCase(Locale.ROOT).startsWith("opsbus-")) {
          headers.put(e.getKey(), e.getValue());
        }
      });
      ctx.json(new JsonObject().put("address", o.address()).put("body", ar.result().body()).put("headers", headers));
    });
  }

  private void allow(Principal p, Direction d, String address) {
    Decision decision = access.check(p, d, address);
    if (!decision.allowed()) {
      throw new OpsbusException(decision.code(), decision.reason());
    }
  }

  private static Outgoing outgoing(JsonObject m, String where) {
    if (!(m.getValue("address") instanceof String address) || address.isEmpty() || address.length() > MAX_ADDRESS) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, where + "address must be a string of 1 to " + MAX_ADDRESS + " characters");
    }
    Object headers = m.getValue("headers");
    if (headers != null && !(headers instanceof JsonObject)) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, where + "headers must be an object of strings");
    }
    return new Outgoing(address, m.getValue("body"), (JsonObject) headers);
  }

  /** The caller's headers, less the token and any identity header; then the identity the gateway vouches for. */
  private static DeliveryOptions options(Outgoing o, Principal p) {
    DeliveryOptions opts = new DeliveryOptions();
    if (o.headers() != null) {
      for (String name : o.headers().fieldNames()) {
        Object v = o.headers().getValue(name);
        String lower = name.toLowerCase(Locale.ROOT);
        if (v != null && !lower.equals("authorization") && !lower.startsWith("opsbus-")) {
          opts.addHeader(name, String.valueOf(v));
        }
      }
    }
    return BusIdentity.stamp(opts, p);
  }
}
