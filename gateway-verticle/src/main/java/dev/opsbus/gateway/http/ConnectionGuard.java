package dev.opsbus.gateway.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.vertx.core.http.HttpConnection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Function;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps cheap TCP connections cheap (issue 11, point 4): every connection to the HTTP port gets
 * the header and idle timeouts of {@link HttpTimeouts}; a connection past the cap of its peer
 * address is closed as soon as it opens, before it can hold a descriptor for long (trusted proxies
 * are exempt, since one proxy carries many clients). At the node's cap a new connection evicts the
 * oldest one that has not yet sent a whole request, so silent connections can never lock out a
 * client that speaks; only when every open connection has spoken is the new one refused. A refusal
 * at this level cannot be answered in HTTP (no request has been read yet): the peer sees the
 * connection closed. Once a connection is a WebSocket, {@link OversizeFrames} closes it with 1009
 * on a frame over the limit. Runs on the gateway's event loop.
 */
public final class ConnectionGuard {

  private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);
  /** The handler Vert.x puts last in every HTTP/1 pipeline; the clock goes right before it. */
  private static final String VERTX_HANDLER = "handler";
  /** A refusal or time-out is logged at most once per this window (a flood is one line, not thousands). */
  private static final long LOG_EVERY_MS = 10_000;

  private final ConnectionLimits limits;
  private final ClientAddress clients;
  private final Function<HttpConnection, Channel> channels;
  private final long maxWebSocketMessageBytes;
  private final Map<String, Integer> perAddress = new HashMap<>();
  /**
   * Connections that have not sent a whole request head yet, oldest first: the ones evicted at the
   * node's cap, each with what counts it out (at once when evicted: its close may run later, on its own loop).
   */
  private final java.util.LinkedHashMap<Channel, Runnable> silent = new java.util.LinkedHashMap<>();
  private final AtomicLong evicted = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong timedOut = new AtomicLong();
  private int open;
  private long lastLog;

  /** @param channels the Netty channel under a connection (bridge's {@code NettyChannels}), or null when it has none */
  public ConnectionGuard(ConnectionLimits limits, ClientAddress clients, Function<HttpConnection, Channel> channels) {
    this(limits, clients, channels, Long.MAX_VALUE);
  }

  /** @param maxWebSocketMessageBytes the server's WebSocket message limit: a fragmented message past it closes with 1009 */
  public ConnectionGuard(ConnectionLimits limits, ClientAddress clients, Function<HttpConnection, Channel> channels,
      long maxWebSocketMessageBytes) {
    this.maxWebSocketMessageBytes = maxWebSocketMessageBytes;
    this.limits = limits;
    this.clients = clients;
    this.channels = channels;
  }

  /**
   * For {@code HttpServer.connectionHandler}: counts the connection, refuses it past a cap, starts its
   * clock. Called on the loop that accepted the connection (the gateway may accept on several): the
   * counts are kept under this guard's lock.
   */
  public synchronized void opened(HttpConnection conn) {
    String peer = conn.remoteAddress() == null ? "unknown" : conn.remoteAddress().hostAddress();
    boolean exempt = clients.isTrusted(peer);
    int fromPeer = exempt ? 0 : perAddress.getOrDefault(peer, 0);
    Channel channel = channels.apply(conn);
    boolean madeRoom = open >= limits.maxHttpConnections() && fromPeer < limits.maxHttpConnectionsPerAddress() && evictOldestSilent();
    if ((open >= limits.maxHttpConnections() && !madeRoom) || fromPeer >= limits.maxHttpConnectionsPerAddress()) {
      refused.incrementAndGet();
      note("refused a connection from " + peer + ": " + (fromPeer >= limits.maxHttpConnectionsPerAddress()
          ? fromPeer + " connections open from that address (gateway.maxHttpConnectionsPerAddress)"
          : open + " connections open on this node, all of them busy (gateway.maxHttpConnections)"));
      if (channel != null) {
        channel.close();
      } else {
        conn.close();
      }
      return;
    }
    open++;
    if (!exempt) {
      perAddress.put(peer, fromPeer + 1);
    }
    java.util.concurrent.atomic.AtomicBoolean counted = new java.util.concurrent.atomic.AtomicBoolean(true);
    Runnable closed = () -> {
      synchronized (this) {
        if (channel != null) {
          silent.remove(channel);
        }
        if (!counted.getAndSet(false)) {
          return;
        }
        open--;
        if (!exempt) {
          perAddress.computeIfPresent(peer, (p, n) -> n <= 1 ? null : n - 1);
        }
      }
    };
    if (channel != null) {
      // the channel's own close, not the connection's single close handler, which others may set
      channel.closeFuture().addListener(f -> closed.run());
    } else {
      conn.closeHandler(v -> closed.run());
    }
    if (channel != null) {
      silent.put(channel, closed);
      ChannelPipeline pipeline = channel.pipeline();
      HttpTimeouts clock = new HttpTimeouts(limits.headerTimeout().toNanos(), limits.httpIdleTimeout().toNanos(), () -> {
        timedOut.incrementAndGet();
        note("closed a connection from " + peer + " that sent no whole request in time (gateway.headerTimeoutMs / httpIdleTimeoutMs)");
      }, () -> {
        synchronized (this) {
          silent.remove(channel);
        }
      });
      if (pipeline.get(VERTX_HANDLER) != null) {
        pipeline.addBefore(VERTX_HANDLER, HttpTimeouts.NAME, clock);
        pipeline.addBefore(VERTX_HANDLER, OversizeFrames.NAME, new OversizeFrames(maxWebSocketMessageBytes));
      } else {
        pipeline.addLast(HttpTimeouts.NAME, clock);
        pipeline.addLast(OversizeFrames.NAME, new OversizeFrames(maxWebSocketMessageBytes));
      }
    }
  }

  /** Closes the oldest connection still waiting for its first request (its close listener gives its count back); false when none waits. */
  private boolean evictOldestSilent() {
    Iterator<java.util.Map.Entry<Channel, Runnable>> it = silent.entrySet().iterator();
    if (!it.hasNext()) {
      return false;
    }
    java.util.Map.Entry<Channel, Runnable> e = it.next();
    Channel oldest = e.getKey();
    it.remove();
    // counted out now: the room is made at once, whatever loop closes the channel and when
    e.getValue().run();
    evicted.incrementAndGet();
    note("at gateway.maxHttpConnections: closed the oldest connection that had not sent a request, from " + oldest.remoteAddress());
    oldest.close();
    return true;
  }

  private synchronized void note(String what) {
    long now = System.currentTimeMillis();
    if (now - lastLog >= LOG_EVERY_MS) {
      lastLog = now;
      LOG.warn("{} (refused so far: {}, timed out so far: {})", what, refused.get(), timedOut.get());
    }
  }

  /** Open connections on the HTTP port. */
  public synchronized int open() {
    return open;
  }

  /** Connections closed at once for a cap, since the start. */
  public long refusedTotal() {
    return refused.get();
  }

  /** Silent connections closed at the node's cap to make room for a new one, since the start. */
  public long evictedTotal() {
    return evicted.get();
  }

  /** Connections closed by the header or idle timeout, since the start. */
  public long timedOutTotal() {
    return timedOut.get();
  }
}
