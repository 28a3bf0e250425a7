package dev.opsbus.gateway.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.opsbus.model.config.ConfigSection;
import java.time.Duration;
import java.util.Set;

/**
 * What a connection may cost the node before it has shown it is worth keeping (docs/SECURITY.md,
 * "Connection floods"). All keys live in the config file's {@code gateway} section.
 *
 * @param headerTimeout a new TCP connection must have sent a whole request head within this
 * @param httpIdleTimeout an HTTP connection with no request in flight (keep-alive), or a request
 *     body that stops arriving, is closed after this
 * @param maxHttpConnections open TCP connections on the HTTP port of this node; past it new ones
 *     are closed at once
 * @param maxHttpConnectionsPerAddress open TCP connections from one peer address (trusted proxies
 *     are exempt: they carry many clients)
 * @param socketAuthTimeout a bridge socket that has not logged in within this is closed
 * @param maxSockets bridge and terminal sockets open on this node
 * @param maxAnonymousSockets bridge sockets open on this node that have not logged in
 * @param maxSocketsPerAddress bridge and terminal sockets from one client address ({@link ClientAddress})
 * @param maxTerminalSocketsPerUser terminal WebSockets one user may hold open on this node
 * @param refusalAuditWindow refusals of one connection with one code are written to the activity
 *     log at most twice per window: the first at once, the rest as one count at the window's end
 * @param metricsToken a secret that lets a scraper read {@code /metrics} with {@code Authorization:
 *     Bearer}; null: none
 * @param metricsPort a second listener serving only {@code /metrics}, without a token (its bind
 *     address is the protection); 0: none
 * @param metricsHost the interface of that listener
 * @param readyMaxEventLoopLag past this much delay of the gateway's event loop (the recent worst
 *     sample of {@code EventLoopLag}) {@code /ready} answers 503 {@code event_loop_lag}
 * @param eventLoops event loops the gateway's HTTP port accepts connections on (one server per loop,
 *     sharing the port; each connection and its sockets stay on the loop that accepted them, so a
 *     broadcast is written by every loop in parallel). 1: the gateway's own loop only
 */
public record ConnectionLimits(
    Duration headerTimeout,
    Duration httpIdleTimeout,
    int maxHttpConnections,
    int maxHttpConnectionsPerAddress,
    Duration socketAuthTimeout,
    int maxSockets,
    int maxAnonymousSockets,
    int maxSocketsPerAddress,
    int maxTerminalSocketsPerUser,
    Duration refusalAuditWindow,
    String metricsToken,
    int metricsPort,
    String metricsHost,
    Duration readyMaxEventLoopLag,
    int eventLoops) {

  public static final Set<String> KEYS = Set.of("headerTimeoutMs", "httpIdleTimeoutMs", "maxHttpConnections",
      "maxHttpConnectionsPerAddress", "socketAuthTimeoutMs", "maxSockets", "maxAnonymousSockets", "maxSocketsPerAddress",
      "maxTerminalSocketsPerUser", "refusalAuditWindowMs", "metricsToken", "metricsPort", "metricsHost", "readyMaxEventLoopLagMs", "eventLoops");

  /** Shortest {@code metricsToken} accepted: a guessable one would open what it guards. */
  public static final int MIN_METRICS_TOKEN_LENGTH = 16;
  public static final Duration DEFAULT_READY_MAX_EVENT_LOOP_LAG = Duration.ofSeconds(1);
  /** Most event loops the gateway may ask for: more than the cores of any node it runs on is only overhead. */
  public static final int MAX_EVENT_LOOPS = 64;

  public ConnectionLimits {
    for (Duration d : new Duration[] {headerTimeout, httpIdleTimeout, socketAuthTimeout, refusalAuditWindow, readyMaxEventLoopLag}) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("connection timeouts must be positive");
      }
    }
    for (int n : new int[] {maxHttpConnections, maxHttpConnectionsPerAddress, maxSockets, maxAnonymousSockets, maxSocketsPerAddress,
        maxTerminalSocketsPerUser}) {
      if (n <= 0) {
        throw new IllegalArgumentException("connection caps must be positive, got " + n);
      }
    }
    if (metricsToken != null && metricsToken.length() < MIN_METRICS_TOKEN_LENGTH) {
      throw new IllegalArgumentException("metricsToken must have at least " + MIN_METRICS_TOKEN_LENGTH + " characters");
    }
    if (metricsPort < 0 || metricsPort > 65535) {
      throw new IllegalArgumentException("metricsPort must be 0-65535, got " + metricsPort);
    }
    if (eventLoops < 1 || eventLoops > MAX_EVENT_LOOPS) {
      throw new IllegalArgumentException("eventLoops must be 1-" + MAX_EVENT_LOOPS + ", got " + eventLoops);
    }
  }

  /** On the gateway's own event loop only. */
  public ConnectionLimits(Duration headerTimeout, Duration httpIdleTimeout, int maxHttpConnections, int maxHttpConnectionsPerAddress,
      Duration socketAuthTimeout, int maxSockets, int maxAnonymousSockets, int maxSocketsPerAddress, int maxTerminalSocketsPerUser,
      Duration refusalAuditWindow, String metricsToken, int metricsPort, String metricsHost, Duration readyMaxEventLoopLag) {
    this(headerTimeout, httpIdleTimeout, maxHttpConnections, maxHttpConnectionsPerAddress, socketAuthTimeout, maxSockets,
        maxAnonymousSockets, maxSocketsPerAddress, maxTerminalSocketsPerUser, refusalAuditWindow, metricsToken, metricsPort, metricsHost,
        readyMaxEventLoopLag, 1);
  }

  /** With the default {@code readyMaxEventLoopLag}. */
  public ConnectionLimits(Duration headerTimeout, Duration httpIdleTimeout, int maxHttpConnections, int maxHttpConnectionsPerAddress,
      Duration socketAuthTimeout, int maxSockets, int maxAnonymousSockets, int maxSocketsPerAddress, int maxTerminalSocketsPerUser,
      Duration refusalAuditWindow, String metricsToken, int metricsPort, String metricsHost) {
    this(headerTimeout, httpIdleTimeout, maxHttpConnections, maxHttpConnectionsPerAddress, socketAuthTimeout, maxSockets,
        maxAnonymousSockets, maxSocketsPerAddress, maxTerminalSocketsPerUser, refusalAuditWindow, metricsToken, metricsPort, metricsHost,
        DEFAULT_READY_MAX_EVENT_LOOP_LAG);
  }

  public ConnectionLimits withReadyMaxEventLoopLag(Duration lag) {
    return new ConnectionLimits(headerTimeout, httpIdleTimeout, maxHttpConnections, maxHttpConnectionsPerAddress, socketAuthTimeout,
        maxSockets, maxAnonymousSockets, maxSocketsPerAddress, maxTerminalSocketsPerUser, refusalAuditWindow, metricsToken, metricsPort,
        metricsHost, lag, eventLoops);
  }

  /** Accepting on {@code loops} event loops (see {@code eventLoops}). */
  public ConnectionLimits withEventLoops(int loops) {
    return new ConnectionLimits(headerTimeout, httpIdleTimeout, maxHttpConnections, maxHttpConnectionsPerAddress, socketAuthTimeout,
        maxSockets, maxAnonymousSockets, maxSocketsPerAddress, maxTerminalSocketsPerUser, refusalAuditWindow, metricsToken, metricsPort,
        metricsHost, readyMaxEventLoopLag, loops);
  }

  public static ConnectionLimits defaults() {
    return new ConnectionLimits(Duration.ofSeconds(10), Duration.ofSeconds(60), 12_000, 1024, Duration.ofSeconds(10),
        10_000, 1024, 256, 16, Duration.ofSeconds(60), null, 0, "127.0.0.1");
  }

  /**
   * The connection keys of the config file's {@code gateway} section over {@code base}; {@code s}
   * already knows every key of the section (others belong to {@code GatewayConfig}).
   */
  public static ConnectionLimits fromJson(ConfigSection s, ConnectionLimits base) {
    String token = s.string("metricsToken", base.metricsToken);
    if (token != null && token.length() < MIN_METRICS_TOKEN_LENGTH) {
      throw s.bad("metricsToken", "must have at least " + MIN_METRICS_TOKEN_LENGTH + " characters");
    }
    int metricsPort = base.metricsPort;
    if (s.has("metricsPort")) {
      metricsPort = s.positiveInt("metricsPort", base.metricsPort);
      if (metricsPort > 65535) {
        throw s.bad("metricsPort", "must be a port number, got " + metricsPort);
      }
    }
    return new ConnectionLimits(
        s.duration("headerTimeoutMs", Duration::ofMillis, base.headerTimeout),
        s.duration("httpIdleTimeoutMs", Duration::ofMillis, base.httpIdleTimeout),
        s.positiveInt("maxHttpConnections", base.maxHttpConnections),
        s.positiveInt("maxHttpConnectionsPerAddress", base.maxHttpConnectionsPerAddress),
        s.duration("socketAuthTimeoutMs", Duration::ofMillis, base.socketAuthTimeout),
        s.positiveInt("maxSockets", base.maxSockets),
        s.positiveInt("maxAnonymousSockets", base.maxAnonymousSockets),
        s.positiveInt("maxSocketsPerAddress", base.maxSocketsPerAddress),
        s.positiveInt("maxTerminalSocketsPerUser", base.maxTerminalSocketsPerUser),
        s.duration("refusalAuditWindowMs", Duration::ofMillis, base.refusalAuditWindow),
        token, metricsPort, s.string("metricsHost", base.metricsHost),
        s.duration("readyMaxEventLoopLagMs", Duration::ofMillis, base.readyMaxEventLoopLag),
        eventLoops(s, base.eventLoops));
  }

  private static int eventLoops(ConfigSection s, int base) {
    int n = s.positiveInt("eventLoops", base);
    if (n > MAX_EVENT_LOOPS) {
      throw s.bad("eventLoops", "must be 1-" + MAX_EVENT_LOOPS + ", got " + n);
    }
    return n;
  }

  /** Keeps the metrics token out of logs. */
  @Override
  public String toString() {
    return "ConnectionLimits[headerTimeout=" + headerTimeout + ", httpIdleTimeout=" + httpIdleTimeout + ", maxHttpConnections="
        + maxHttpConnections + ", maxHttpConnectionsPerAddress=" + maxHttpConnectionsPerAddress + ", socketAuthTimeout=" + socketAuthTimeout
        + ", maxSockets=" + maxSockets + ", maxAnonymousSockets=" + maxAnonymousSockets + ", maxSocketsPerAddress=" + maxSocketsPerAddress
        + ", maxTerminalSocketsPerUser=" + maxTerminalSocketsPerUser + ", refusalAuditWindow=" + refusalAuditWindow
        + ", metricsToken=" + (metricsToken == null ? "unset" : "set") + ", metricsPort=" + metricsPort + ", metricsHost=" + metricsHost
        + ", readyMaxEventLoopLag=" + readyMaxEventLoopLag + ", eventLoops=" + eventLoops + "]";
  }
}
