package dev.opsbus.gateway.bridge;

import dev.opsbus.gateway.loops.Loops;
import dev.opsbus.gateway.auth.AccessPolicy;
import dev.opsbus.gateway.auth.TokenRevocations;
import dev.opsbus.gateway.auth.TokenService;
import dev.opsbus.gateway.bridge.sockjs.SockJsSession;
import dev.opsbus.gateway.http.ConnectionLimits;
import dev.opsbus.gateway.presence.PresenceService;
import dev.opsbus.gateway.telemetry.GatewayTelemetry;
import dev.opsbus.model.Addresses;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.Json;
import dev.opsbus.model.PermissionRules;
import dev.opsbus.model.Principal;
import dev.opsbus.model.ResourceGuard;
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
 * consumer per address per node), the per-user connection count, the socket caps and login deadline
 * ({@link ConnectionCaps}), the idle and expiry sweeps, and the report of refusals on
 * {@code activity.events} as aggregates ({@link RefusalAudit}).
 *
 * <p>Threads: a connection lives on the event loop that accepted its socket (one of the gateway's
 * accept loops), and everything of that connection runs there ({@link BridgeConnection#run}); the
 * books shared by all connections (who is open, per-user counts, tickets) are kept under this
 * server's lock, held only while they change; the sweep, drain and mass closes take a snapshot of
 * the connections under it and hand each one its close on its own loop.
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
  /** Per-node socket caps and the login deadline (shared with terminal sockets), and the refusal audit. */
  private final ConnectionCaps caps;
  private final RefusalAudit audit;
  private final Map<BridgeConnection, ConnectionCaps.Ticket> tickets = new HashMap<>();
  /** The gateway's own loop: the subscription index delivers inline to connections on it. */
  private final io.vertx.core.Context home;
  private long nextId;
  private long sweeper = -1;
  private PresenceService presence;
  private RevocationWatches revocationWatches;
  /** One per event loop with raw WebSockets: each flushes its own loop's sockets. */
  private final Map<io.vertx.core.Context, FlushBatcher> flushes = new java.util.concurrent.ConcurrentHashMap<>();
  private MessageConsumer<Object> statsConsumer;
  /** The per-user cap counted over every node; null when this node is alone. */
  private ClusterConnectionCap clusterCap;
  /** Messages in and out, refusals by code, delivery latency (for /metrics); null: not counted. */
  private GatewayTelemetry telemetry;

  /** Counts this bridge's traffic on {@code /metrics} (see {@link GatewayTelemetry}). */
  public void telemetry(GatewayTelemetry t) {
    this.telemetry = t;
  }

  /** Closes, with {@code token_revoked}, every connection whose token is revoked (see {@link RevocationWatches}). */
  public void revocations(TokenRevocations r) {
    this.revocationWatches = new RevocationWatches(r);
  }

  /** Tells presence about tabs: connections that are logged in, and what they view. */
  public void presence(PresenceService p) {
    this.presence = p;
  }

  public BridgeServer(Vertx vertx, String nodeId, PermissionRules rules, ResourceGuard guard, TokenService tokens, BridgeLimits limits) {
    this(vertx, nodeId, rules, guard, tokens, limits, ConnectionLimits.defaults(), AccessPolicy.of(rules, guard), ServePolicy.NONE);
  }

  public BridgeServer(Vertx vertx, String nodeId, PermissionRules rules, ResourceGuard guard, TokenService tokens, BridgeLimits limits,
      ConnectionLimits connectionLimits) {
    this(vertx, nodeId, rules, guard, tokens, limits, connectionLimits, AccessPolicy.of(rules, guard), ServePolicy.NONE);
  }

  /**
   * With {@code connectionLimits} (caps, login deadline, refusal audit window), {@code access} deciding every use
   * of an address (the rules plus service keys' grants) and {@code serve} who may serve.
   */
  public BridgeServer(Vertx vertx, String nodeId, PermissionRules rules, ResourceGuard guard, TokenService tokens, BridgeLimits limits,
      ConnectionLimits connectionLimits, AccessPolicy access, ServePolicy serve) {
    this.caps = new ConnectionCaps(connectionLimits);
    this.audit = new RefusalAudit(vertx, nodeId, connectionLimits.refusalAuditWindow(),
        ev -> vertx.eventBus().publish(Addresses.ACTIVITY_EVENTS, Json.toJsonObject(ev)));
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.limits = limits;
    this.home = Loops.root(vertx.getOrCreateContext());
    this.index = new SubscriptionIndex(vertx.eventBus(), rules::overflowFor, home);
    this.context = new BridgeContext(limits, rules, guard, tokens, index, vertx.eventBus(), vertx, access, serve);
    this.parser = new FrameParser(limits.maxAddressLength());
  }

  /**
   * Starts the periodic sweep that closes idle connections and those whose token expired, and
   * answers this node's metrics verticle on {@code node.{nodeId}.gateway.stats} (node-local: no
   * rule names it, so it is never bridged). Completes once that consumer is registered.
   */
  public Future<Void> start() {
    long period = Math.max(250, Math.min(5_000, Math.min(limits.idleTimeout().toMillis(), caps.limits().socketAuthTimeout().toMillis()) / 4));
    audit.start();
    sweeper = vertx.setPeriodic(period, id -> sweep());
    statsConsumer = vertx.eventBus().localConsumer(Addresses.NODE_GATEWAY_STATS.format(nodeId), msg -> msg.reply(statsReport().toJson()));
    if (vertx.isClustered()) {
      clusterCap = new ClusterConnectionCap(vertx, nodeId, limits.maxConnectionsPerUser());
      return Future.all(statsConsumer.completion(), clusterCap.start()).mapEmpty();
    }
    return statsConsumer.completion();
  }

  public void stop() {
    if (sweeper >= 0) {
      vertx.cancelTimer(sweeper);
    }
    if (statsConsumer != null) {
      statsConsumer.unregister();
    }
    if (clusterCap != null) {
      clusterCap.stop();
    }
    for (BridgeConnection c : snapshot()) {
      c.run(() -> c.closeWith(ErrorCode.UNAVAILABLE, "the node is shutting down: reconnect", CLOSE_GOING_AWAY));
    }
    index.clear();
    audit.stop();
  }

  /** The socket caps, which terminal sockets take their place under too. */
  public ConnectionCaps caps() {
    return caps;
  }

  /** Where refusals outside any connection (refused handshakes) are reported too. */
  public RefusalAudit audit() {
    return audit;
  }

  /**
   * Closes every real-time connection of this node with an err frame saying why, as a node going
   * away would; clients reconnect and resync. Used by operators (and tests) to shed load or move
   * clients to other nodes.
   */
  public int dropAllConnections(String reason) {
    int n = 0;
    for (BridgeConnection c : snapshot()) {
      c.run(() -> c.closeWith(ErrorCode.UNAVAILABLE, reason, CLOSE_GOING_AWAY));
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
    for (BridgeConnection c : snapshot()) {
      long delay = max == 0 ? 0 : random.nextLong(max + 1);
      c.run(() -> c.drain(delay, CLOSE_GOING_AWAY));
      n++;
    }
    return n;
  }

  /**
   * Takes a SockJS session whose handshake was authenticated (or not) by the gateway. A request body
   * over the SockJS server's bound is a refusal like any other: {@code too_large}, then the close.
   */
  public void accept(SockJsSession session, String client, Principal principal, String token, ErrorCode authProblem) {
    BridgeConnection conn = accept(new SockJsTransport(session), client, principal, token, authProblem);
    // the session's handlers run on its loop, the connection's
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
  public void accept(ServerWebSocket socket, io.netty.channel.Channel channel, String client, Principal principal, String token,
      ErrorCode authProblem) {
    io.vertx.core.Context loop = Loops.current();
    FlushBatcher batcher = flushes.computeIfAbsent(loop, FlushBatcher::new);
    accept(new WebSocketTransport(socket, channel, batcher, vertx.getOrCreateContext()), client, principal, token, authProblem);
  }

  /** Takes a connection of another transport (the TCP bridge): it logs in with its first frame's headers. */
  public void accept(BridgeTransport transport) {
    accept(transport, null, null, null);
  }

  /** Principal names with a connection open on this node. */
  public synchronized Set<String> connectedPrincipals() {
    return Set.copyOf(perUser.keySet());
  }

  /** Closes every connection of {@code username} with an err frame of {@code code} and the reason; returns how many. */
  public int closeConnectionsOf(String username, ErrorCode code, String reason) {
    int n = 0;
    for (BridgeConnection c : snapshot()) {
      Principal p = c.principal();
      if (p != null && p.username().equals(username)) {
        c.run(() -> c.closeWith(code, reason, BridgeConnection.CLOSE_POLICY));
        n++;
      }
    }
    return n;
  }

  BridgeConnection accept(BridgeTransport transport, Principal principal, String token, ErrorCode authProblem) {
    return accept(transport, transport.remoteAddress(), principal, token, authProblem);
  }

  /** @param client the client's address as {@code ClientAddress} names it (the per-address cap counts it) */
  BridgeConnection accept(BridgeTransport transport, String client, Principal principal, String token, ErrorCode authProblem) {
    // runs on the loop the transport's events come in on: the connection lives there
    io.vertx.core.Context loop = Loops.current();
    BridgeConnection conn;
    boolean full;
    synchronized (this) {
      conn = new BridgeConnection(++nextId, transport, context, books, parser, principal, token, authProblem, loop,
          loop != null && loop != home);
      connections.add(conn);
      stats.opened(transport.kind());
      full = connections.size() > limits.maxConnections();
    }
    transport.closeHandler(v -> conn.onClosed());
    if (telemetry == null) {
      transport.dataHandler(conn::onData);
    } else {
      String kind = transport.kind();
      telemetry.opened(kind);
      transport.dataHandler(frame -> {
        telemetry.received(kind, 1);
        conn.onData(frame);
      });
    }
    transport.activityHandler(v -> conn.touch());
    if (full) {
      // the node's cap on bridge connections, before any other: past it the node is full for everyone
      String msg = "this node holds " + limits.maxConnections() + " bridge connections, its limit: connect to another node or try again later";
      countRefusal(ErrorCode.NODE_FULL);
      audit.refused("address " + client, principal == null ? null : principal.username(), null, ErrorCode.NODE_FULL, msg,
          Map.of("transport", transport.kind(), "remote", String.valueOf(transport.remoteAddress())));
      conn.closeWith(ErrorCode.NODE_FULL, msg, BridgeConnection.CLOSE_TRY_AGAIN);
      return conn;
    }
    try {
      ConnectionCaps.Ticket ticket = caps.admitBridge(client, principal != null);
      synchronized (this) {
        tickets.put(conn, ticket);
      }
    } catch (OpsbusException refused) {
      // audited per client address, not per connection: a flood of refused sockets is one aggregate
      countRefusal(refused.code());
      audit.refused("address " + client, principal == null ? null : principal.username(), null, refused.code(), refused.getMessage(),
          Map.of("transport", transport.kind(), "remote", String.valueOf(transport.remoteAddress())));
      conn.closeWith(refused.code(), refused.getMessage(), BridgeConnection.CLOSE_TRY_AGAIN);
      return conn;
    }
    if (principal != null && !books.loggedIn(conn, principal)) {
      conn.closeWith(ErrorCode.TOO_MANY_CONNECTIONS,
          "user '" + principal.username() + "' has " + limits.maxConnectionsPerUser() + " connections open on this node already", BridgeConnection.CLOSE_POLICY);
      books.refused(conn, null, ErrorCode.TOO_MANY_CONNECTIONS, "too many connections", true);
      return conn;
    }
    books.authenticated(conn);
    LOG.debug("bridge connection {} opened over {} from {} user {}", conn.id(), transport.kind(), transport.remoteAddress(),
        principal == null ? "-" : principal.username());
    return conn;
  }

  /** The open connections as they are now (taken under the lock; closing them is each one's own loop's work). */
  private synchronized java.util.List<BridgeConnection> snapshot() {
    return java.util.List.copyOf(connections);
  }

  private synchronized ConnectionCaps.Ticket ticketOf(BridgeConnection c) {
    return tickets.get(c);
  }

  private void sweep() {
    for (BridgeConnection c : snapshot()) {
      c.run(() -> sweep(c));
    }
  }

  /** On the connection's loop: closes it when it never logged in, went quiet, or its token ran out. */
  private void sweep(BridgeConnection c) {
    long now = System.nanoTime();
    long idleNanos = limits.idleTimeout().toNanos();
    Instant wall = Instant.now();
    {
      ConnectionCaps.Ticket ticket = ticketOf(c);
      if (c.principal() == null && ticket != null && caps.authOverdue(ticket, now)) {
        c.closeWith(ErrorCode.NOT_LOGGED_IN, "no valid token within " + caps.limits().socketAuthTimeout().toMillis()
            + " ms of opening: closed (send headers.authorization with the first frame, or connect with the token)", BridgeConnection.CLOSE_POLICY);
      } else if (now - c.lastSeenNanos() > idleNanos) {
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
      synchronized (BridgeServer.this) {
        if (!count(conn, p)) {
          return false;
        }
      }
      if (clusterCap != null) {
        clusterCap.admit(conn, p.username(), () -> conn.run(() -> {
          conn.closeWith(ErrorCode.TOO_MANY_CONNECTIONS, "user '" + p.username() + "' has " + limits.maxConnectionsPerUser()
              + " connections open in the cluster already", BridgeConnection.CLOSE_POLICY);
          refused(conn, null, ErrorCode.TOO_MANY_CONNECTIONS, "too many connections in the cluster", true);
        }));
      }
      if (presence != null) {
        presence.opened(conn.id(), p.username());
      }
      return true;
    }

    /** Under the server's lock: the user's count on this node, and the ticket's login. */
    private boolean count(BridgeConnection conn, Principal p) {
      int n = perUser.getOrDefault(p.username(), 0);
      if (n >= limits.maxConnectionsPerUser()) {
        return false;
      }
      perUser.put(p.username(), n + 1);
      counted.put(conn, p.username());
      caps.loggedIn(tickets.get(conn));
      return true;
    }

    /** Every refusal is an activity entry (rate-limit floods are reported once per window). */
    @Override
    public void refused(BridgeConnection conn, String address, ErrorCode code, String message, boolean report) {
      // every refusal counts; the audit writes them as aggregates per connection, code and window (floods included)
      countRefusal(code);
      Principal p = conn.principal();
      Map<String, Object> data = new LinkedHashMap<>();
      data.put("transport", conn.transport().kind());
      data.put("connection", conn.id());
      data.put("remote", conn.transport().remoteAddress());
      audit.refused(source(conn), p == null ? null : p.username(), address, code, message, data);
    }

    @Override
    public void authenticated(BridgeConnection conn) {
      if (revocationWatches != null && conn.principal() != null) {
        revocationWatches.watch(conn);
      }
    }

    @Override
    public void delivered(BridgeConnection conn, long arrivedNanos) {
      stats.delivered();
      if (telemetry != null) {
        telemetry.sent(conn.transport().kind(), arrivedNanos);
      }
    }

    @Override
    public void viewing(BridgeConnection conn, Object body) {
      if (presence != null && body instanceof JsonObject o && o.getValue("view") instanceof String v && v.length() <= MAX_VIEW_LENGTH) {
        presence.view(conn.id(), v);
      }
    }

    @Override
    public void closed(BridgeConnection conn) {
      ConnectionCaps.Ticket ticket;
      String user;
      synchronized (BridgeServer.this) {
        if (connections.remove(conn)) {
          stats.closed(conn.transport().kind());
        }
        ticket = tickets.remove(conn);
        user = counted.remove(conn);
        if (user != null) {
          perUser.computeIfPresent(user, (u, n) -> n <= 1 ? null : n - 1);
        }
      }
      caps.release(ticket);
      audit.flush(source(conn));
      if (revocationWatches != null) {
        revocationWatches.forget(conn);
      }
      if (user != null && clusterCap != null) {
        clusterCap.closed(conn);
      }
      if (user != null && presence != null) {
        presence.closed(conn.id());
      }
    }
  }

  private void countRefusal(ErrorCode code) {
    stats.refused(code);
    if (telemetry != null) {
      telemetry.refused(code);
    }
  }

  private static String source(BridgeConnection conn) {
    return "connection " + conn.id();
  }

  // ---- observation ----

  public BridgeStats stats() {
    return stats;
  }

  public synchronized int connectionCount() {
    return connections.size();
  }

  /** {@code bridge.maxConnections}: bridge connections this node holds at most. */
  public int maxConnections() {
    return limits.maxConnections();
  }

  /** Frames waiting in every connection's outbound queue. */
  public long queuedFrames() {
    long n = 0;
    for (BridgeConnection c : snapshot()) {
      n += c.queuedFrames();
    }
    return n;
  }

  /** The longest outbound queue of one connection, in frames. */
  public int maxQueuedFrames() {
    int max = 0;
    for (BridgeConnection c : snapshot()) {
      max = Math.max(max, c.queuedFrames());
    }
    return max;
  }

  /** How many event loops the open connections live on (they stay on the loop that accepted them). */
  public int loopsInUse() {
    return (int) snapshot().stream().map(BridgeConnection::loop).distinct().count();
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
  public synchronized int userCount() {
    return perUser.size();
  }

  /** What the metrics verticle of this node reads. */
  public synchronized GatewayStatsReport statsReport() {
    return new GatewayStatsReport(stats.open(SockJsTransport.KIND), stats.open(WebSocketTransport.KIND), index.subscriptionCount(),
        index.consumerCount(), perUser.size(), stats.deliveredTotal(), stats.refusedTotal(), stats.open(BridgeTransport.TCP_KIND));
  }
}
