package dev.opsbus.gateway.bridge;

import dev.opsbus.gateway.loops.Loops;
import dev.opsbus.gateway.auth.Bearer;
import dev.opsbus.gateway.auth.TokenVersion;
import dev.opsbus.model.Addresses;
import dev.opsbus.model.BusFailures;
import dev.opsbus.model.BusRetry;
import dev.opsbus.model.BusIdentity;
import dev.opsbus.model.Decision;
import dev.opsbus.model.Direction;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.PermissionRule;
import dev.opsbus.model.PermissionRule.Overflow;
import dev.opsbus.model.Principal;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client of the bridge: its identity, its subscriptions, its inbound rate limit, and its way
 * out (written at once while the socket keeps up, else through an {@link OutboundQueue}). Frames
 * are handled one at a time, in order. Every refusal is answered with an {@code err} frame and
 * reported to its {@link ConnectionListener} (which puts it on {@code activity.events}).
 */
final class BridgeConnection implements Subscriber {

  private static final Logger LOG = LoggerFactory.getLogger(BridgeConnection.class);

  /** WebSocket close status for a policy violation (RFC 6455). */
  static final int CLOSE_POLICY = 1008;
  /** WebSocket close status "try again later": the server cut a slow consumer. */
  static final int CLOSE_TRY_AGAIN = 1013;
  /** A rate-limited flood is reported to the activity log at most once per this window. */
  private static final long RATE_LIMIT_REPORT_MS = 10_000;
  private static final Future<Void> IDLE = Future.succeededFuture();

  private final long id;
  private final BridgeTransport transport;
  private final BridgeContext ctx;
  private final ConnectionListener listener;
  private final FrameParser parser;
  private final TokenBucket bucket;
  /** Sized for the usual one or two addresses; grows up to {@code maxSubscriptions}. */
  private final Set<String> subscriptions = new HashSet<>(2);
  /**
   * Frames waiting for the transport to drain, made on the first backlog and dropped once caught
   * up: most connections keep up and never need one, and an idle one should not carry it.
   */
  private OutboundQueue queue;
  /** Live messages held while a replay runs; null when none does. */
  private ReplayBuffer replays;
  /** What this connection's replays carried, so a republished change is not sent twice; null before the first. */
  private ReplayedRanges replayed;
  /** Reply addresses this connection was handed and may answer once; null until the first. */
  private ReplyGrants grants;
  /** The request addresses this client serves (a service key's); null until it serves one. */
  private ServedAddresses served;
  /** This connection's own address ({@link ConnectionAddresses}); null until the client asks for it. */
  private String ownAddress;

  /** Read by other loops too (mass closes by user): volatile. */
  private volatile Principal principal;
  /** SHA-256 of the token the connection holds (verified), or null: enough to tell a new token from it. */
  private byte[] tokenDigest;
  /** The revocation version of that token. */
  private long tokenVersion;
  private ErrorCode authProblem;
  /** The frame being handled, or {@link #IDLE}; the next frame waits for it. */
  private Future<Void> chain = IDLE;
  private long lastSeenNanos = System.nanoTime();
  private long lastRateLimitReport;
  private boolean draining;
  private boolean closed;
  /** The event loop this connection's socket lives on; everything of the connection runs there ({@link #run}). */
  private final io.vertx.core.Context loop;
  /** True when that loop is not the subscription index's own (the gateway's): deliveries are handed over to it. */
  private final boolean away;

  BridgeConnection(long id, BridgeTransport transport, BridgeContext ctx, ConnectionListener listener, FrameParser parser,
      Principal principal, String token, ErrorCode authProblem) {
    this(id, transport, ctx, listener, parser, principal, token, authProblem, null, false);
  }

  /** @param loop the event loop the transport's events come in on; {@code away} when it is not the gateway's */
  BridgeConnection(long id, BridgeTransport transport, BridgeContext ctx, ConnectionListener listener, FrameParser parser,
      Principal principal, String token, ErrorCode authProblem, io.vertx.core.Context loop, boolean away) {
    this.loop = loop;
    this.away = away;
    this.id = id;
    this.transport = transport;
    this.ctx = ctx;
    this.listener = listener;
    this.parser = parser;
    this.principal = principal;
    holdToken(token);
    this.authProblem = principal == null ? (authProblem == null ? ErrorCode.NOT_LOGGED_IN : authProblem) : null;
    this.bucket = new TokenBucket(ctx.limits().ratePerSecond(), ctx.limits().rateBurst());
  }

  long id() {
    return id;
  }

  @Override
  public io.vertx.core.Context lane() {
    return away ? loop : null;
  }

  /** The event loop this connection lives on. */
  io.vertx.core.Context loop() {
    return loop;
  }

  /** Runs {@code task} on this connection's loop: at once when called there, else as a task of that loop. */
  void run(Runnable task) {
    Loops.run(loop, task);
  }

  BridgeTransport transport() {
    return transport;
  }

  Principal principal() {
    return principal;
  }

  /** The revocation version of the token the connection holds now (0 with none). */
  long tokenVersion() {
    return tokenVersion;
  }

  /**
   * Keeps what the connection needs of a verified token: its digest, to skip a frame that presents
   * the same token again, and its revocation version. Not the token itself: an idle connection is
   * smaller without it, and a heap dump holds no bearer tokens of open sockets.
   */
  private void holdToken(String token) {
    tokenDigest = token == null ? null : digest(token);
    tokenVersion = TokenVersion.of(token);
  }

  private boolean holds(String presented) {
    return tokenDigest != null && MessageDigest.isEqual(tokenDigest, digest(presented));
  }

  private static byte[] digest(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JVM", e);
    }
  }

  long lastSeenNanos() {
    return lastSeenNanos;
  }

  /** Frames waiting in the outbound queue for the socket to drain. */
  int queuedFrames() {
    return queue == null ? 0 : queue.size();
  }

  /** A sign of life that carries no frame (a WebSocket ping): the idle sweep leaves the connection be. */
  void touch() {
    lastSeenNanos = System.nanoTime();
  }

  // ---- inbound ----

  void onData(Buffer data) {
    if (closed) {
      return;
    }
    lastSeenNanos = System.nanoTime();
    int max = ctx.limits().maxFrameBytes();
    if (data.length() > max) {
      refuse(null, ErrorCode.TOO_LARGE, "frame of " + data.length() + " bytes is over the limit of " + max);
      return;
    }
    if (!bucket.tryTake()) {
      long now = System.currentTimeMillis();
      boolean report = now - lastRateLimitReport > RATE_LIMIT_REPORT_MS;
      if (report) {
        lastRateLimitReport = now;
      }
      writeErr(null, ErrorCode.RATE_LIMITED, "more than " + ctx.limits().ratePerSecond() + " frames per second: frame dropped");
      listener.refused(this, null, ErrorCode.RATE_LIMITED, "rate limited", report);
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
      return IDLE;
    }
    BridgeFrame parsed = parser.parse(data);
    if (parsed instanceof BridgeFrame.Invalid bad) {
      refuse(null, bad.code(), bad.message());
      return IDLE;
    }
    if (!(parsed instanceof BridgeFrame.Addressed frame)) {
      transport.pinged(); // in order: a pong says every frame before the ping was handled
      return IDLE;
    }
    return authenticate(frame.headers()).transform(ar -> {
      if (ar.failed()) {
        OpsbusException e = ar.cause() instanceof OpsbusException oe ? oe
            : new OpsbusException(ErrorCode.INVALID_TOKEN, "the token could not be checked");
        refuse(frame.errAddress(), e.code(), e.getMessage());
      } else if (frame instanceof BridgeFrame.Register r) {
        register(r.address(), r.headers());
      } else if (frame instanceof BridgeFrame.Unregister u) {
        unregister(u.address());
      } else if (frame instanceof BridgeFrame.Publish p) {
        publish(p);
      } else if (frame instanceof BridgeFrame.Send s) {
        send(s);
      }
      return IDLE;
    });
  }

  /** A frame may carry {@code headers.authorization = "Bearer <token>"}: log in, or refresh, with it. */
  private Future<Void> authenticate(JsonObject headers) {
    if (headers == null) {
      return IDLE;
    }
    String presented = Bearer.token(headers.getString("authorization"));
    if (presented == null || holds(presented)) {
      return IDLE;
    }
    return ctx.tokens().verify(presented).compose(p -> {
      if (closed) {
        return IDLE;
      }
      if (principal != null && !principal.username().equals(p.username())) {
        return Future.failedFuture(new OpsbusException(ErrorCode.ACCESS_DENIED, "a connection cannot change user: open a new one"));
      }
      if (principal == null && !listener.loggedIn(this, p)) {
        return Future.failedFuture(new OpsbusException(ErrorCode.TOO_MANY_CONNECTIONS, "user '" + p.username() + "' has too many connections open"));
      }
      principal = p;
      holdToken(presented);
      authProblem = null;
      listener.authenticated(this);
      recheckSubscriptions();
      return IDLE;
    });
  }

  private Decision check(Direction direction, String address) {
    if (principal == null) {
      return Decision.deny(authProblem, authProblem == ErrorCode.TOKEN_EXPIRED
          ? "the token has expired: log in again or refresh it"
          : authProblem == ErrorCode.INVALID_TOKEN ? "the token is not valid: log in again"
          : authProblem == ErrorCode.KEY_EXPIRED ? "the service key has expired: use a new key" : "log in first: this connection carries no valid token");
    }
    if (principal.isExpired(Instant.now())) {
      return Decision.deny(ErrorCode.TOKEN_EXPIRED, "the token has expired: log in again or refresh it");
    }
    return ctx.access().check(principal, direction, address);
  }

  private void register(String address, JsonObject headers) {
    if (principal != null && ctx.serve().mayServe(principal, address)) {
      serve(address);
      return;
    }
    boolean resync = headers != null && headers.getValue("sinceSeq") != null;
    if (subscriptions.contains(address) && !resync) {
      return;
    }
    Decision d = check(Direction.SUBSCRIBE, address);
    if (d.allowed() && !ConnectionAddresses.mayReceive(address, ownAddress)) {
      d = Decision.deny(ErrorCode.ACCESS_DENIED, ConnectionAddresses.NOT_YOURS);
    }
    if (subscriptions.contains(address)) {
      // a resync on the same connection (the client saw a gap): replay from its seq, stay subscribed
      if (!d.allowed()) {
        refuse(address, d.code(), d.reason());
      } else if (d.rule().replay() != null) {
        replay(address, d.rule(), headers, IDLE);
      }
      return;
    }
    if (!d.allowed()) {
      refuse(address, d.code(), d.reason());
      return;
    }
    int max = ctx.limits().maxSubscriptions();
    if (subscriptions.size() >= max) {
      refuse(address, ErrorCode.TOO_MANY_SUBSCRIPTIONS, "a connection may watch at most " + max + " addresses");
      return;
    }
    subscriptions.add(address);
    Future<Void> subscribed = ctx.index().subscribe(address, this);
    if (d.rule().replay() != null) {
      // asked once the bus consumer is registered (cluster-wide): what is published after the
      // answer is then certain to reach this node, so nothing falls between replay and live
      replay(address, d.rule(), headers, subscribed);
    }
    subscribed.onFailure(err -> {
      LOG.warn("bus consumer for {} failed to register: {}", address, err.getMessage());
      writeErr(address, ErrorCode.UNAVAILABLE, "could not subscribe to '" + address + "' right now");
    });
  }

  private void unregister(String address) {
    if (served != null && served.remove(address)) {
      return;
    }
    cancelReplay(address);
    if (replayed != null) {
      replayed.forget(address);
    }
    if (subscriptions.remove(address)) {
      ctx.index().unsubscribe(address, this);
    }
  }

  private void publish(BridgeFrame.Publish frame) {
    Decision d = check(Direction.PUBLISH, frame.address());
    if (!d.allowed()) {
      refuse(frame.address(), d.code(), d.reason());
      return;
    }
    ctx.bus().publish(frame.address(), frame.body(), busOptions(frame));
  }

  private void send(BridgeFrame.Send frame) {
    String address = frame.address();
    if (ServedAddresses.isReplyAddress(address) && served != null) {
      served.reply(frame, principal);
      return;
    }
    String replyAddress = frame.replyAddress();
    Message<Object> asked = grants == null ? null : grants.take(address, System.nanoTime());
    if (asked != null) {
      answer(asked, frame);
      return;
    }
    if (ReplyRules.isReplyAddress(address)) {
      refuse(frame.errAddress(), ErrorCode.ACCESS_DENIED, ReplyRules.NOT_GRANTED);
      return;
    }
    Decision d = check(replyAddress != null ? Direction.REQUEST : Direction.SEND, address);
    if (!d.allowed()) {
      refuse(frame.errAddress(), d.code(), d.reason());
      return;
    }
    OpsbusException badBody = InboundBodies.problem(address, frame.body());
    if (badBody != null) {
      refuse(frame.errAddress(), badBody.code(), badBody.getMessage());
      return;
    }
    if (replyAddress == null) {
      if (Addresses.PRESENCE_VIEW.equals(address)) {
        // what this tab views is the gateway's own business: it never goes on the bus
        listener.viewing(this, frame.body());
        return;
      }
      ctx.bus().send(address, frame.body(), busOptions(frame));
      return;
    }
    if (ConnectionAddresses.SELF.equals(address)) {
      // the gateway answers: this connection's own address, made on first asking
      ownAddress = ownAddress != null ? ownAddress : ConnectionAddresses.generate();
      writeDirect(BridgeFrames.rec(replyAddress, ConnectionAddresses.answer(ownAddress), null, null));
      return;
    }
    ctx.bus().request(address, frame.body(), busOptions(frame))
        .onComplete(ar -> answered(replyAddress, ar, "service at '" + address + "'"));
  }

  /** The client answers a reply address it was handed: once, and maybe asking for a reply in turn. */
  private void answer(Message<Object> asked, BridgeFrame.Send frame) {
    if (principal == null || principal.isExpired(Instant.now())) {
      Decision d = check(Direction.SEND, frame.address());
      refuse(frame.errAddress(), d.code(), d.reason());
      return;
    }
    String replyAddress = frame.replyAddress();
    if (replyAddress == null) {
      asked.reply(frame.body(), busOptions(frame));
      return;
    }
    asked.replyAndRequest(frame.body(), busOptions(frame)).onComplete(ar -> answered(replyAddress, ar, "requester"));
  }

  /**
   * The answer to a request this client made goes to its reply address as a {@code rec} frame with
   * the answer's headers, and with the answer's own reply address when it expects a reply in turn.
   */
  private void answered(String replyAddress, AsyncResult<Message<Object>> ar, String asked) {
    if (closed) {
      return;
    }
    if (ar.succeeded()) {
      Message<Object> reply = ar.result();
      String next = reply.replyAddress();
      if (next != null) {
        grant(reply);
      }
      writeDirect(BridgeFrames.rec(replyAddress, reply.body(), reply.headers(), next));
      listener.delivered(this, 0);
    } else {
      OpsbusException e = BusFailures.explain(ar.cause(), asked);
      writeErr(replyAddress, e.code(), e.getMessage());
    }
  }

  private void grant(Message<Object> message) {
    if (grants == null) {
      grants = new ReplyGrants(ReplyRules.MAX_GRANTS, ctx.limits().requestTimeout().toNanos());
    }
    grants.grant(message, System.nanoTime());
  }

  /** A service key registers a request address it may serve (see {@link ServedAddresses}). */
  private void serve(String address) {
    if (served == null) {
      served = new ServedAddresses(ctx, id, this::writeDirect);
    }
    int max = ctx.limits().maxSubscriptions();
    if (!served.serves(address) && served.size() + subscriptions.size() >= max) {
      refuse(address, ErrorCode.TOO_MANY_SUBSCRIPTIONS, "a connection may watch or serve at most " + max + " addresses");
      return;
    }
    served.add(address);
  }

  /** After a token change: drop, with an err frame each, subscriptions the new identity may not have. */
  private void recheckSubscriptions() {
    for (Iterator<String> it = subscriptions.iterator(); it.hasNext(); ) {
      String address = it.next();
      Decision d = check(Direction.SUBSCRIBE, address);
      if (!d.allowed()) {
        it.remove();
        ctx.index().unsubscribe(address, this);
        refuse(address, d.code(), d.reason());
      }
    }
  }

  private DeliveryOptions busOptions(BridgeFrame.Addressed frame) {
    return BusIdentity.stamp(frame.busHeaders(new DeliveryOptions().setSendTimeout(ctx.limits().requestTimeout().toMillis())), principal);
  }

  private void refuse(String address, ErrorCode code, String message) {
    writeErr(address, code, message);
    listener.refused(this, address, code, message, true);
  }

  // ---- resync on subscribe ----

  /**
   * A new subscriber of an address with history first gets, from the replay service, the current
   * state or (with {@code headers.sinceSeq}) every change it missed; live messages that arrive
   * meanwhile are held, then sent unless the replay already had them. No gap, no duplicate.
   */
  private void replay(String address, PermissionRule rule, JsonObject headers, Future<Void> subscribed) {
    JsonObject req;
    try {
      req = ReplayBuffer.request(address, rule, headers);
    } catch (OpsbusException e) {
      refuse(address, e.code(), e.getMessage());
      return;
    }
    if (replays == null) {
      replays = new ReplayBuffer();
    }
    Object ticket = replays.begin(address);
    DeliveryOptions opts = BusIdentity.stamp(new DeliveryOptions().setSendTimeout(ctx.limits().requestTimeout().toMillis()), principal);
    Overflow overflow = ctx.rules().overflowFor(address);
    // a replay is safe to ask again: an attempt that lands on a node just killed is retried on the next one
    subscribed.transform(v -> BusRetry.<JsonObject>request(ctx.bus(), rule.replay(), req, opts,
            Math.min(ctx.limits().requestTimeout().toMillis(), BusRetry.ATTEMPT_TIMEOUT_MS)))
        // the answer comes straight to this loop; live messages come through the gateway's loop: those
        // published before the answer are let through first, so the replay's held messages include them
        .onComplete(ar -> ctx.index().afterHome(lane(), () -> {
      JsonArray changes = ar.succeeded() ? ReplayBuffer.changes(ar.result().body()) : null;
      List<String> live = endReplay(address, ticket, ReplayBuffer.lastSeq(changes));
      if (closed || live == null) {
        return;
      }
      if (changes != null) {
        long lastReplayed = ReplayBuffer.lastSeq(changes);
        if (lastReplayed != Long.MIN_VALUE) {
          if (replayed == null) {
            replayed = new ReplayedRanges();
          }
          replayed.carried(address, ReplayedRanges.sinceSeq(headers), lastReplayed);
        }
        for (Object o : changes) {
          deliver(address, BridgeFrames.rec(address, o, null, null), overflow);
        }
      } else if (BusFailures.codeOf(ar.cause()) != ErrorCode.NO_HANDLER) {
        // with no history service at all there is nothing to replay and nothing to say; any other failure is told
        writeErr(address, ErrorCode.UNAVAILABLE, "the history of '" + address + "' could not be replayed ("
            + (ar.failed() ? ar.cause().getMessage() : "empty answer") + "): live updates follow");
      }
      for (String frame : live) {
        deliver(address, frame, overflow);
      }
    }));
  }

  private List<String> endReplay(String address, Object ticket, long lastReplayedSeq) {
    if (replays == null) {
      return null;
    }
    List<String> live = replays.end(address, ticket, lastReplayedSeq);
    if (replays.isEmpty()) {
      replays = null;
    }
    return live;
  }

  private void cancelReplay(String address) {
    if (replays != null) {
      replays.cancel(address);
      if (replays.isEmpty()) {
        replays = null;
      }
    }
  }

  // ---- outbound ----

  /**
   * A bus message for a watched address. Sent at once while the transport keeps up; queued while
   * it does not; past the queue bound, the address's overflow policy decides: keep the latest
   * value, or cut the connection with {@code slow_consumer}.
   */
  @Override
  public void deliver(String address, Delivery delivery, Overflow overflow) {
    // a few addresses are cut to what this user may see (PerViewer): their frame is made for this connection
    if (replayed != null && replayed.carriedAlready(address, delivery.message())) {
      return;
    }
    String own = PerViewer.applies(address) && principal != null ? PerViewer.frame(address, delivery, principal) : null;
    if (replays != null && replays.isReplaying(address)) {
      // live messages wait until the replay before them is sent
      if (replays.hold(address, own != null ? own : delivery.frame(), ReplayBuffer.seqOf(delivery.message().body())) > ctx.limits().queueBound()) {
        slowConsumer();
      }
      return;
    }
    if (own != null) {
      deliver(address, own, overflow, delivery.arrivedNanos());
      return;
    }
    if (!receiving(delivery.now())) {
      return;
    }
    if (writableNow()) {
      transport.write(delivery);
      listener.delivered(this, delivery.arrivedNanos());
      return;
    }
    enqueue(address, delivery.frame(), overflow, delivery.arrivedNanos());
  }

  /** A send or request picked this connection: it takes it while logged in, and may answer it. */
  @Override
  public boolean deliverOne(String address, Delivery delivery, Overflow overflow) {
    if (closed || principal == null || principal.isExpired(delivery.now())) {
      return false;
    }
    if (delivery.message().replyAddress() != null) {
      grant(delivery.message());
    }
    deliver(address, delivery, overflow);
    return true;
  }

  private void deliver(String address, String frame, Overflow overflow) {
    deliver(address, frame, overflow, 0);
  }

  private void deliver(String address, String frame, Overflow overflow, long arrivedNanos) {
    if (!receiving(Instant.now())) {
      return;
    }
    if (writableNow()) {
      transport.write(frame);
      listener.delivered(this, arrivedNanos);
      return;
    }
    enqueue(address, frame, overflow, arrivedNanos);
  }

  /** Logged in with a live token; an expired one closes the connection. */
  private boolean receiving(Instant now) {
    if (closed || principal == null) {
      return false;
    }
    if (principal.isExpired(now)) {
      expire();
      return false;
    }
    return true;
  }

  /** Nothing queued ahead and the transport keeps up: write at once. */
  private boolean writableNow() {
    return (queue == null || queue.isEmpty()) && !transport.writeQueueFull();
  }

  private void enqueue(String address, String frame, Overflow overflow, long arrivedNanos) {
    if (queue == null) {
      queue = new OutboundQueue(ctx.limits().queueBound());
    }
    if (!queue.offer(address, frame, overflow, arrivedNanos)) {
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
      long arrived = queue.headArrivedNanos();
      transport.write(queue.poll());
      listener.delivered(this, arrived);
    }
    if (closed || queue.isEmpty()) {
      // caught up: give the queue back, the next backlog makes a new one
      queue = null;
    } else {
      awaitDrain();
    }
  }

  private void slowConsumer() {
    queue = null;
    String msg = "the connection fell more than " + ctx.limits().queueBound()
        + " messages behind and was closed: reconnect and resume from the last version seen";
    listener.refused(this, null, ErrorCode.SLOW_CONSUMER, msg, true);
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

  /** The token ran out: the client must log in again or refresh before it does. */
  void expire() {
    closeWith(ErrorCode.TOKEN_EXPIRED, "the token expired: log in again, or refresh the token before it runs out", CLOSE_POLICY);
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

  /** The node is draining: an err frame {@code node_draining} naming when to reconnect, then the close. */
  void drain(long reconnectAfterMs, int status) {
    if (closed) {
      return;
    }
    writeDirect(BridgeFrames.draining(reconnectAfterMs));
    cleanup();
    transport.close(status, ErrorCode.NODE_DRAINING.wireName());
  }

  /** The transport is gone. */
  void onClosed() {
    cleanup();
  }

  /** Forgets every subscription and tells the listener, once. */
  private void cleanup() {
    if (closed) {
      return;
    }
    closed = true;
    queue = null;
    replays = null;
    grants = null;
    for (String address : subscriptions) {
      ctx.index().unsubscribe(address, this);
    }
    subscriptions.clear();
    if (served != null) {
      served.close();
      served = null;
    }
    listener.closed(this);
  }
}
