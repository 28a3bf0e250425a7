package dev.opsbus.gateway.bridge;

import dev.opsbus.model.Decision;
import dev.opsbus.model.Direction;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.PermissionRule.Overflow;
import dev.opsbus.model.Principal;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client of the bridge: its identity, its subscriptions, its bounded outbound queue and its
 * inbound rate limit. Frames are handled one at a time, in order. Every refusal is answered with an
 * {@code err} frame and reported to the server (which puts it on {@code activity.events}).
 */
final class BridgeConnection implements Subscriber {

  private static final Logger LOG = LoggerFactory.getLogger(BridgeConnection.class);

  /** WebSocket close status for a policy violation (RFC 6455). */
  static final int CLOSE_POLICY = 1008;
  /** WebSocket close status "try again later": the server cut a slow consumer. */
  static final int CLOSE_TRY_AGAIN = 1013;

  private record Pending(String address, String frame) {
  }

  private final long id;
  private final BridgeTransport transport;
  private final BridgeServer server;
  private final TokenBucket bucket;
  /** Sized for the usual one or two addresses; grows up to {@code maxSubscriptions}. */
  private final Set<String> subscriptions = new HashSet<>(2);
  /**
   * Frames waiting for the transport to drain, created on the first backlog: most connections
   * keep up and never need one, and an idle one should not carry an empty queue's array.
   */
  private ArrayDeque<Pending> queue;
  /** Addresses whose replay is under way, with the live messages held meanwhile; null when none is. */
  private java.util.Map<String, List<Held>> replaying;

  private Principal principal;
  private String token;
  private ErrorCode authProblem;
  private static final Future<Void> IDLE = Future.succeededFuture();

  /** The frame being handled, or {@link #IDLE}; the next frame waits for it. */
  private Future<Void> chain = IDLE;
  private long lastSeenNanos = System.nanoTime();
  private long lastRateLimitReport;
  private boolean draining;
  private boolean closed;

  BridgeConnection(long id, BridgeTransport transport, BridgeServer server, Principal principal, String token, ErrorCode authProblem) {
    this.id = id;
    this.transport = transport;
    this.server = server;
    this.principal = principal;
    this.token = token;
    this.authProblem = principal == null ? (authProblem == null ? ErrorCode.NOT_LOGGED_IN : authProblem) : null;
    this.bucket = new TokenBucket(server.limits().ratePerSecond(), server.limits().rateBurst());
  }

  long id() {
    return id;
  }

  BridgeTransport transport() {
    return transport;
  }

  Principal principal() {
    return principal;
  }

  long lastSeenNanos() {
    return lastSeenNanos;
  }

  /** A sign of life that carries no frame (a WebSocket ping): the idle sweep leaves the connection be. */
  void touch() {
    lastSeenNanos = System.nanoTime();
  }

  boolean isClosed() {
    return closed;
  }

  // ---- inbound ----

  void onData(Buffer data) {
    if (closed) {
      return;
    }
    lastSeenNanos = System.nanoTime();
    if (data.length() > server.limits().maxFrameBytes()) {
      refuse(null, ErrorCode.TOO_LARGE, "frame of " + data.length() + " bytes is over the limit of " + server.limits().maxFrameBytes());
      return;
    }
    if (!bucket.tryTake()) {
      long now = System.currentTimeMillis();
      boolean report = now - lastRateLimitReport > 10_000;
      if (report) {
        lastRateLimitReport = now;
      }
      writeErr(null, ErrorCode.RATE_LIMITED, "more than " + server.limits().ratePerSecond() + " frames per second: frame dropped");
      server.refused(this, null, ErrorCode.RATE_LIMITED, "rate limited", report);
      return;
    }
    // the frame waits behind the one still being handled (a token check may be under way);
    // with none pending it is handled now, which is the same order
    Future<Void> next = chain.isComplete() ? handleNow(data) : chain.transform(ignored -> handle(data));
    if (next.isComplete()) {
      // a finished step is not kept: it would hold the frame it handled until the next one
      chain = IDLE;
    } else {
      chain = next;
      next.onComplete(ar -> {
        if (chain == next) {
          chain = IDLE;
        }
      });
    }
  }

  /** As {@code transform} would: a frame that throws fails its step, and the next frame carries on. */
  private Future<Void> handleNow(Buffer data) {
    try {
      return handle(data);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  private Future<Void> handle(Buffer data) {
    if (closed) {
      return Future.succeededFuture();
    }
    JsonObject frame;
    try {
      Object parsed = io.vertx.core.json.Json.decodeValue(data);
      if (!(parsed instanceof JsonObject o)) {
        refuse(null, ErrorCode.INVALID_FRAME, "a frame is a JSON object with a \"type\"");
        return Future.succeededFuture();
      }
      frame = o;
    } catch (DecodeException e) {
      refuse(null, ErrorCode.INVALID_JSON, "frame is not valid JSON");
      return Future.succeededFuture();
    }
    Object typeValue = frame.getValue("type");
    if (!(typeValue instanceof String type)) {
      refuse(null, ErrorCode.INVALID_FRAME, "frame has no \"type\" (register, unregister, send, publish, ping)");
      return Future.succeededFuture();
    }
    if ("ping".equals(type)) {
      return Future.succeededFuture();
    }
    if (!Set.of("register", "unregister", "send", "publish").contains(type)) {
      refuse(null, ErrorCode.INVALID_FRAME, "unknown frame type '" + type + "' (register, unregister, send, publish, ping)");
      return Future.succeededFuture();
    }
    Object addressValue = frame.getValue("address");
    if (!(addressValue instanceof String address) || address.isEmpty()) {
      refuse(null, ErrorCode.INVALID_FRAME, "a " + type + " frame needs an \"address\"");
      return Future.succeededFuture();
    }
    if (address.length() > server.limits().maxAddressLength()) {
      refuse(null, ErrorCode.INVALID_FRAME, "address of " + address.length() + " characters is over the limit of " + server.limits().maxAddressLength());
      return Future.succeededFuture();
    }
    Object replyValue = frame.getValue("replyAddress");
    String replyAddress = replyValue instanceof String s && !s.isEmpty() ? s : null;
    if (replyAddress != null && replyAddress.length() > server.limits().maxAddressLength()) {
      refuse(null, ErrorCode.INVALID_FRAME, "replyAddress is over the limit of " + server.limits().maxAddressLength() + " characters");
      return Future.succeededFuture();
    }
    // refusals go to the reply callback when there is one, else to the address's handlers
    String errAddress = replyAddress != null ? replyAddress : address;
    Object headersValue = frame.getValue("headers");
    JsonObject headers = headersValue instanceof JsonObject h ? h : null;
    return authenticate(headers).transform(ar -> {
      if (ar.failed()) {
        OpsbusException e = ar.cause() instanceof OpsbusException oe ? oe
            : new OpsbusException(ErrorCode.INVALID_TOKEN, "the token could not be checked");
        refuse(errAddress, e.code(), e.getMessage());
        return Future.succeededFuture();
      }
      switch (type) {
        case "register" -> register(address, headers);
        case "unregister" -> unregister(address);
        case "publish" -> publish(address, frame.getValue("body"), headers);
        default -> send(address, frame.getValue("body"), headers, replyAddress);
      }
      return Future.succeededFuture();
    });
  }

  /** A frame may carry {@code headers.authorization = "Bearer <token>"}: log in, or refresh, with it. */
  private Future<Void> authenticate(JsonObject headers) {
    if (headers == null) {
      return Future.succeededFuture();
    }
    String presented = BridgeServer.bearer(headers.getString("authorization"));
    if (presented == null || presented.equals(token)) {
      return Future.succeededFuture();
    }
    return server.tokens().verify(presented).compose(p -> {
      if (closed) {
        return Future.succeededFuture();
      }
      if (principal != null && !principal.username().equals(p.username())) {
        return Future.failedFuture(new OpsbusException(ErrorCode.ACCESS_DENIED, "a connection cannot change user: open a new one"));
      }
      boolean firstLogin = principal == null;
      if (firstLogin && !server.admitUser(this, p)) {
        return Future.failedFuture(new OpsbusException(ErrorCode.TOO_MANY_CONNECTIONS, "user '" + p.username() + "' has too many connections open"));
      }
      principal = p;
      token = presented;
      authProblem = null;
      recheckSubscriptions();
      return Future.succeededFuture();
    });
  }

  private Decision check(Direction direction, String address) {
    if (principal == null) {
      return Decision.deny(authProblem, authProblem == ErrorCode.TOKEN_EXPIRED
          ? "the token has expired: log in again or refresh it"
          : authProblem == ErrorCode.INVALID_TOKEN ? "the token is not valid: log in again" : "log in first: this connection carries no valid token");
    }
    if (principal.isExpired(java.time.Instant.now())) {
      return Decision.deny(ErrorCode.TOKEN_EXPIRED, "the token has expired: log in again or refresh it");
    }
    return server.rules().check(principal, direction, address, server.guard());
  }

  private void register(String address, JsonObject headers) {
    boolean resync = headers != null && headers.getValue("sinceSeq") != null;
    if (subscriptions.contains(address) && !resync) {
      return;
    }
    Decision d = check(Direction.SUBSCRIBE, address);
    if (subscriptions.contains(address)) {
      // a resync on the same connection (the client saw a gap): replay from its seq, stay subscribed
      if (!d.allowed()) {
        refuse(address, d.code(), d.reason());
      } else if (d.rule().replay() != null) {
        replay(address, d.rule(), headers);
      }
      return;
    }
    if (!d.allowed()) {
      refuse(address, d.code(), d.reason());
      return;
    }
    if (subscriptions.size() >= server.limits().maxSubscriptions()) {
      refuse(address, ErrorCode.TOO_MANY_SUBSCRIPTIONS, "a connection may watch at most " + server.limits().maxSubscriptions() + " addresses");
      return;
    }
    subscriptions.add(address);
    if (d.rule().replay() != null) {
      replay(address, d.rule(), headers);
    }
    server.index().subscribe(address, this).onFailure(err -> {
      LOG.warn("bus consumer for {} failed to register: {}", address, err.getMessage());
      writeErr(address, ErrorCode.UNAVAILABLE, "could not subscribe to '" + address + "' right now");
    });
  }

  private void unregister(String address) {
    stopReplaying(address);
    if (subscriptions.remove(address)) {
      server.index().unsubscribe(address, this);
    }
  }

  private DeliveryOptions deliveryOptions(JsonObject headers) {
    DeliveryOptions opts = new DeliveryOptions().setSendTimeout(server.limits().requestTimeout().toMillis());
    if (headers != null) {
      for (String name : headers.fieldNames()) {
        Object v = headers.getValue(name);
        // the token stays in the gateway; who asked travels as opsbus-user, set below
        if (!"authorization".equalsIgnoreCase(name) && !name.toLowerCase().startsWith("opsbus-") && v != null) {
          opts.addHeader(name, String.valueOf(v));
        }
      }
    }
    BridgeServer.identify(opts, principal);
    return opts;
  }

  private void publish(String address, Object body, JsonObject headers) {
    Decision d = check(Direction.PUBLISH, address);
    if (!d.allowed()) {
      refuse(address, d.code(), d.reason());
      return;
    }
    server.bus().publish(address, body, deliveryOptions(headers));
  }

  private void send(String address, Object body, JsonObject headers, String replyAddress) {
    Direction direction = replyAddress != null ? Direction.REQUEST : Direction.SEND;
    Decision d = check(direction, address);
    if (!d.allowed()) {
      refuse(replyAddress != null ? replyAddress : address, d.code(), d.reason());
      return;
    }
    if (replyAddress == null) {
      if (dev.opsbus.model.Addresses.PRESENCE_VIEW.equals(address)) {
        // what this tab views is the gateway's own business: it never goes on the bus
        server.viewing(this, body);
        return;
      }
      server.bus().send(address, body, deliveryOptions(headers));
      return;
    }
    server.bus().request(address, body, deliveryOptions(headers)).onComplete(ar -> {
      if (closed) {
        return;
      }
      if (ar.succeeded()) {
        writeDirect(BridgeFrames.rec(replyAddress, ar.result().body(), null, null));
      } else if (ar.cause() instanceof ReplyException re) {
        switch (re.failureType()) {
          case NO_HANDLERS -> writeErr(replyAddress, ErrorCode.NO_HANDLER, "nothing is serving '" + address + "' right now");
          case TIMEOUT -> writeErr(replyAddress, ErrorCode.TIMEOUT, "no reply from '" + address + "' within " + server.limits().requestTimeout().toSeconds() + " s");
          default -> {
            ErrorCode code = ErrorCode.fromFailureCode(re.failureCode());
            writeDirect(BridgeFrames.err(replyAddress, re.failureCode(), code.wireName(), String.valueOf(re.getMessage())));
          }
        }
      } else {
        writeErr(replyAddress, ErrorCode.INTERNAL_ERROR, "the request failed");
      }
    });
  }

  /** After a token change: drop, with an err frame each, subscriptions the new identity may not have. */
  private void recheckSubscriptions() {
    for (Iterator<String> it = subscriptions.iterator(); it.hasNext(); ) {
      String address = it.next();
      Decision d = check(Direction.SUBSCRIBE, address);
      if (!d.allowed()) {
        it.remove();
        server.index().unsubscribe(address, this);
        refuse(address, d.code(), d.reason());
      }
    }
  }

  private void refuse(String address, ErrorCode code, String message) {
    writeErr(address, code, message);
    server.refused(this, address, code, message, true);
  }

  // ---- outbound ----

  /**
   * A bus message for a watched address. Sent at once while the transport keeps up; queued while
   * it does not; past the queue bound, the address's overflow policy decides: keep the latest
   * value, or cut the connection with {@code slow_consumer}.
   */
  @Override
  public void deliver(String address, Delivery delivery, Overflow overflow) {
    List<Held> held = replaying == null ? null : replaying.get(address);
    if (held != null) {
      // live messages wait until the replay before them is sent
      held.add(new Held(delivery.frame(), seqOf(delivery.message().body())));
      if (held.size() > server.limits().queueBound()) {
        slowConsumer();
      }
      return;
    }
    if (!receiving(delivery.now())) {
      return;
    }
    if (writableNow()) {
      transport.write(delivery);
      server.delivered();
      return;
    }
    enqueue(address, delivery.frame(), overflow);
  }

  /** Logged in with a live token; an expired one closes the connection. */
  private boolean receiving(java.time.Instant now) {
    if (closed || principal == null) {
      return false;
    }
    if (principal.isExpired(now)) {
      server.expire(this);
      return false;
    }
    return true;
  }

  /** Nothing queued ahead and the transport keeps up: write at once. */
  private boolean writableNow() {
    return (queue == null || queue.isEmpty()) && !transport.writeQueueFull();
  }

  private record Held(String frame, Long seq) {
  }

  private static Long seqOf(Object body) {
    return body instanceof JsonObject o && o.getValue("seq") instanceof Number n ? n.longValue() : null;
  }

  /**
   * A new subscriber of an address with history first gets, from the replay service, the current
   * state or (with {@code headers.sinceSeq}) every change it missed; live messages that arrive
   * meanwhile are held, then sent unless the replay already had them. No gap, no duplicate.
   */
  private void replay(String address, dev.opsbus.model.PermissionRule rule, JsonObject headers) {
    JsonObject req = new JsonObject().put("replay", true).put("address", address);
    rule.address().match(address).ifPresent(parts -> parts.forEach(req::put));
    Object since = headers == null ? null : headers.getValue("sinceSeq");
    if (since != null) {
      try {
        req.put("sinceSeq", Long.parseLong(String.valueOf(since)));
      } catch (NumberFormatException e) {
        refuse(address, ErrorCode.INVALID_FRAME, "headers.sinceSeq must be a whole number");
        return;
      }
    }
    List<Held> held = new ArrayList<>();
    if (replaying == null) {
      replaying = new java.util.HashMap<>(2);
    }
    List<Held> superseded = replaying.put(address, held);
    if (superseded != null) {
      // a resync while an earlier replay runs: this one answers, with what the earlier one held
      held.addAll(superseded);
    }
    DeliveryOptions opts = new DeliveryOptions().setSendTimeout(server.limits().requestTimeout().toMillis());
    BridgeServer.identify(opts, principal);
    Overflow overflow = server.rules().overflowFor(address);
    server.bus().<JsonObject>request(rule.replay(), req, opts).onComplete(ar -> {
      List<Held> waiting = replaying != null && replaying.get(address) == held ? stopReplaying(address) : null;
      if (closed || waiting == null) {
        return;
      }
      long last = Long.MIN_VALUE;
      if (ar.succeeded() && ar.result().body() != null) {
        for (Object o : ar.result().body().getJsonArray("changes", new io.vertx.core.json.JsonArray())) {
          Long seq = seqOf(o);
          if (seq != null) {
            last = Math.max(last, seq);
          }
          deliver(address, BridgeFrames.rec(address, o, null, null), overflow);
        }
      } else if (!(ar.cause() instanceof ReplyException re && re.failureType() == io.vertx.core.eventbus.ReplyFailure.NO_HANDLERS)) {
        // no history service runs at all: there is nothing to replay, live updates simply follow
        writeErr(address, ErrorCode.UNAVAILABLE, "the history of '" + address + "' could not be replayed (" + (ar.failed() ? ar.cause().getMessage() : "empty answer")
            + "): live updates follow");
      }
      for (Held h : waiting) {
        if (h.seq() == null || h.seq() > last) {
          deliver(address, h.frame(), overflow);
        }
      }
    });
  }

  /** Ends the replay of an address: returns the live messages held meanwhile, or null. */
  private List<Held> stopReplaying(String address) {
    if (replaying == null) {
      return null;
    }
    List<Held> held = replaying.remove(address);
    if (replaying.isEmpty()) {
      replaying = null;
    }
    return held;
  }

  void deliver(String address, String frame, Overflow overflow) {
    if (!receiving(java.time.Instant.now())) {
      return;
    }
    if (writableNow()) {
      transport.write(frame);
      server.delivered();
      return;
    }
    enqueue(address, frame, overflow);
  }

  private void enqueue(String address, String frame, Overflow overflow) {
    if (queue == null) {
      queue = new ArrayDeque<>();
    }
    if (overflow == Overflow.LATEST) {
      queue.removeIf(p -> p.address().equals(address));
    }
    queue.add(new Pending(address, frame));
    if (queue.size() > server.limits().queueBound()) {
      slowConsumer();
      return;
    }
    awaitDrain();
  }

  private void awaitDrain() {
    if (!draining) {
      draining = true;
      transport.drainHandler(v -> {
        draining = false;
        flushQueue();
      });
    }
  }

  private void flushQueue() {
    if (queue == null) {
      return;
    }
    while (!closed && !queue.isEmpty() && !transport.writeQueueFull()) {
      transport.write(queue.poll().frame());
      server.delivered();
    }
    if (closed || queue.isEmpty()) {
      // caught up: give the array back, the next backlog makes a new one
      queue = null;
    } else {
      awaitDrain();
    }
  }

  private void slowConsumer() {
    queue = null;
    String msg = "the connection fell more than " + server.limits().queueBound() + " messages behind and was closed: reconnect and resume from the last version seen";
    server.refused(this, null, ErrorCode.SLOW_CONSUMER, msg, true);
    closeWith(ErrorCode.SLOW_CONSUMER, msg, CLOSE_TRY_AGAIN);
  }

  /** Writes past the queue (replies and errors are few and must not wait behind a backlog's policy). */
  private void writeDirect(String frame) {
    if (!closed) {
      transport.write(frame);
    }
  }

  void writeErr(String address, ErrorCode code, String message) {
    writeDirect(BridgeFrames.err(address, code, message));
  }

  /** Tells the client why, then closes. */
  void closeWith(ErrorCode code, String message, int status) {
    if (closed) {
      return;
    }
    writeErr(null, code, message);
    cleanup();
    transport.close(status, code.wireName());
  }

  /** The transport is gone. */
  void onClosed() {
    cleanup();
  }

  /** Forgets every subscription and leaves the server's books; safe to call more than once. */
  private void cleanup() {
    closed = true;
    queue = null;
    replaying = null;
    for (String address : subscriptions) {
      server.index().unsubscribe(address, this);
    }
    subscriptions.clear();
    server.detach(this);
  }

  Set<String> subscriptions() {
    return subscriptions;
  }

  int queued() {
    return queue == null ? 0 : queue.size();
  }
}
