package dev.opsbus.gateway.bridge;

import dev.opsbus.gateway.auth.TokenService;
import dev.opsbus.gateway.bridge.sockjs.SockJsSession;
import dev.opsbus.gateway.presence.PresenceService;
import dev.opsbus.model.Addresses;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.Json;
import dev.opsbus.model.PermissionRules;
import dev.opsbus.model.Principal;
import dev.opsbus.model.ResourceGuard;
import dev.opsbus.model.event.ActivityEvent;
import dev.opsbus.model.wire.GatewayStatsReport;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * opsbus's event-bus bridge: the vertx-eventbus.js frame protocol over SockJS sessions and raw
 * WebSockets alike, under the one permission rule set. It owns the subscription index (one bus
 * consumer per address per node), the per-user connection count, the idle and expiry sweeps, and
 * the report of every refusal on {@code activity.events}. Everything runs on the gateway's event loop.
 */
public final class BridgeServer {

  private static final Logger LOG = LoggerFactory.getLogger(BridgeServer.class);
  /** Longest {@code presence.view} a tab may announce. */
  private static final int MAX_VIEW_LENGTH = 200;
  /** WebSocket close status "going away": the node drops its connections. */
  private static final int CLOSE_GOING_AWAY = 1001;

  /** WebSocket close status "message too big" (RFC 6455), for a request body over the bound. */
  static final int CLOSE_TOO_BIG = 1009;

  private final Vertx vertx;
  private final String nodeId;
  private final BridgeLimits limits;
  private final SubscriptionIndex index;
  private final BridgeContext context;
  private final FrameParser parser;
  private final Books books = new Books();
  private final Set<BridgeConnection> connections = new LinkedHashSet<>();
  private final Map<String, Integer> perUser = new HashMap<>();
  private final Map<BridgeConnection, String> counted = new HashMap<>();
  private final BridgeStats stats = new BridgeStats();
  private long nextId;
  private long sweeper = -1;
  private PresenceService presence;
  private FlushBatcher flushes;
  private MessageConsumer<Object> statsConsumer;

  /** Tells presence about tabs: connections that are logged in, and what they view. */
  public void presence(PresenceService p) {
    this.presence = p;
  }

  public BridgeServer(Vertx vertx, String nodeId, PermissionRules rules, ResourceGuard guard, TokenService tokens, BridgeLimits limits) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.limits = limits;
    this.index = new SubscriptionIndex(vertx.eventBus(), rules::overflowFor);
    this.context = new BridgeContext(limits, rules, guard, tokens, index, vertx.eventBus());
    this.parser = new FrameParser(limits.maxAddressLength());
  }

  /**
   * Starts the periodic sweep that closes idle connections and those whose token expired, and
   * answers this node's metrics verticle on {@code node.{nodeId}.gateway.stats} (node-local: no
   * rule names it, so it is never bridged). Completes once that consumer is registered.
   */
  public Future<Void> start() {
    long period = Math.max(250, Math.min(5_000, limits.idleTimeout().toMillis() / 4));
    sweeper = vertx.setPeriodic(period, id -> sweep());
    statsConsumer = vertx.eventBus().localConsumer(Addresses.NODE_GATEWAY_STATS.format(nodeId), msg -> msg.reply(statsReport().toJson()));
    return statsConsumer.completion();
  }

  public void stop() {
    if (sweeper >= 0) {
      vertx.cancelTimer(sweeper);
    }
    if (statsConsumer != null) {
      statsConsumer.unregister();
    }
    for (BridgeConnection c : Set.copyOf(connections)) {
      c.closeWith(ErrorCode.UNAVAILABLE, "the node is shutting down: reconnect", CLOSE_GOING_AWAY);
    }
    index.clear();
  }

  /**
   * Closes every real-time connection of this node with an err frame saying why, as a node going
   * away would; clients reconnect and resync. Used by operators (and tests) to shed load or move
   * clients to other nodes.
   */
  public int dropAllConnections(String reason) {
    int n = 0;
    for (BridgeConnection c : Set.copyOf(connections)) {
      c.closeWith(ErrorCode.UNAVAILABLE, reason, CLOSE_GOING_AWAY);
      n++;
    }
    return n;
  }

  /**
   * The node is going away: every connection gets {@code node_draining} with its own delay before
   * it should reconnect, drawn evenly from {@code [0, window]} so that its clients come back to the
   * other nodes spread over the window rather than all at once. Returns how many were closed.
   */
  public int drain(Duration window, java.util.random.RandomGenerator random) {
    int n = 0;
    long max = Math.max(0, window.toMillis());
    for (BridgeConnection c : Set.copyOf(connections)) {
      c.drain(max == 0 ? 0 : random.nextLong(max + 1), CLOSE_GOING_AWAY);
      n++;
    }
    return n;
  }

  /**
   * Takes a SockJS session whose handshake was authenticated (or not) by the gateway. A request body
   * over the SockJS server's bound is a refusal like any other: {@code too_large}, then the close.
   */
  public void accept(SockJsSession session, Principal principal, String token, ErrorCode authProblem) {
    BridgeConnection conn = accept(new SockJsTransport(session), principal, token, authProblem);
    session.oversizeHandler(bytes -> {
      String msg = "a request body of " + bytes + " bytes is over the limit of " + 2 * limits.maxFrameBytes()
          + " (frames are at most " + limits.maxFrameBytes() + " bytes): closed";
      books.refused(conn, null, ErrorCode.TOO_LARGE, msg, true);
      conn.closeWith(ErrorCode.TOO_LARGE, msg, CLOSE_TOO_BIG);
    });
  }

  /** The index terminal sockets subscribe through too, so every transport shares one consumer per address. */
  public SubscriptionIndex subscriptions() {
    return index;
  }

  /**
   * Takes a raw WebSocket; {@code channel} is its Netty channel (for the encode-once, flush-once
   * delivery path), or null to write every frame through Vert.x.
   */
  public void accept(ServerWebSocket socket, io.netty.channel.Channel channel, Principal principal, String token, ErrorCode authProblem) {
    if (flushes == null) {
      flushes = new FlushBatcher(vertx.getOrCreateContext());
    }
    accept(new WebSocketTransport(socket, channel, flushes, vertx.getOrCreateContext()), principal, token, authProblem);
  }

  BridgeConnection accept(BridgeTransport transport, Principal principal, String token, ErrorCode authProblem) {
    BridgeConnection conn = new BridgeConnection(++nextId, transport, context, books, parser, principal, token, authProblem);
    connections.add(conn);
    stats.opened(transport.kind());
    transport.closeHandler(v -> conn.onClosed());
    transport.dataHandler(conn::onData);
    transport.activityHandler(v -> conn.touch());
    if (principal != null && !books.loggedIn(conn, principal)) {
      conn.closeWith(ErrorCode.TOO_MANY_CONNECTIONS,
          "user '" + principal.username() + "' has " + limits.maxConnectionsPerUser() + " connections open on this node already", BridgeConnection.CLOSE_POLICY);
      books.refused(conn, null, ErrorCode.TOO_MANY_CONNECTIONS, "too many connections", true);
      return conn;
    }
    LOG.debug("bridge connection {} opened over {} from {} user {}", conn.id(), transport.kind(), transport.remoteAddress(),
        principal == null ? "-" : principal.username());
    return conn;
  }

  private void sweep() {
    long now = System.nanoTime();
    long idleNanos = limits.idleTimeout().toNanos();
    Instant wall = Instant.now();
    for (BridgeConnection c : Set.copyOf(connections)) {
      if (now - c.lastSeenNanos() > idleNanos) {
        c.closeWith(ErrorCode.TIMEOUT, "nothing received for " + limits.idleTimeout().toSeconds() + " s (clients ping every 5 s): closed", BridgeConnection.CLOSE_POLICY);
      } else if (c.principal() != null && c.principal().isExpired(wall)) {
        c.expire();
      }
    }
  }

  /** The books of all connections, kept from what each one reports. */
  private final class Books implements ConnectionListener {

    /** Counts a connection against its user's cap; false when the user is at the cap. */
    @Override
    public boolean loggedIn(BridgeConnection conn, Principal p) {
      int n = perUser.getOrDefault(p.username(), 0);
      if (n >= limits.maxConnectionsPerUser()) {
        return false;
      }
      perUser.put(p.username(), n + 1);
      counted.put(conn, p.username());
      if (presence != null) {
        presence.opened(conn.id(), p.username());
      }
      return true;
    }

    /** Every refusal is an activity entry (rate-limit floods are reported once per window). */
    @Override
    public void refused(BridgeConnection conn, String address, ErrorCode code, String message, boolean report) {
      stats.refused(code);
      if (!report) {
        return;
      }
      Principal p = conn.principal();
      Map<String, Object> data = new LinkedHashMap<>();
      data.put("transport", conn.transport().kind());
      data.put("connection", conn.id());
      data.put("remote", conn.transport().remoteAddress());
      ActivityEvent ev = ActivityEvent.of(ActivityEvent.ACCESS_DENIED, p == null ? null : p.username(), nodeId, address,
          code.wireName(), message, data);
      vertx.eventBus().publish(Addresses.ACTIVITY_EVENTS, Json.toJsonObject(ev));
      LOG.info("bridge refused: node={} connection={} user={} address={} code={}", nodeId, conn.id(),
          p == null ? "-" : p.username(), address, code.wireName());
    }

    @Override
    public void delivered() {
      stats.delivered();
    }

    @Override
    public void viewing(BridgeConnection conn, Object body) {
      if (presence != null && body instanceof JsonObject o && o.getValue("view") instanceof String v && v.length() <= MAX_VIEW_LENGTH) {
        presence.view(conn.id(), v);
      }
    }

    @Override
    public void closed(BridgeConnection conn) {
      if (connections.remove(conn)) {
        stats.closed(conn.transport().kind());
      }
      String user = counted.remove(conn);
      if (user != null) {
        perUser.computeIfPresent(user, (u, n) -> n <= 1 ? null : n - 1);
        if (presence != null) {
          presence.closed(conn.id());
        }
      }
    }
  }

  // ---- observation ----

  public BridgeStats stats() {
    return stats;
  }

  public int connectionCount() {
    return connections.size();
  }

  public int connectionCount(String kind) {
    return stats.open(kind);
  }

  public int busConsumerCount() {
    return index.consumerCount();
  }

  public int busConsumerCount(String address) {
    return index.consumerCount(address);
  }

  public int subscriberCount(String address) {
    return index.subscriberCount(address);
  }

  public int subscriptionCount() {
    return index.subscriptionCount();
  }

  /** Distinct users with a connection open on this node. */
  public int userCount() {
    return perUser.size();
  }

  /** What the metrics verticle of this node reads. */
  public GatewayStatsReport statsReport() {
    return new GatewayStatsReport(stats.open(SockJsTransport.KIND), stats.open(WebSocketTransport.KIND), index.subscriptionCount(),
        index.consumerCount(), perUser.size(), stats.deliveredTotal(), stats.refusedTotal());
  }
}
