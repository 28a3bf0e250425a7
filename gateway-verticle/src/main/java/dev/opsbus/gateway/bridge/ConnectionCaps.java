package dev.opsbus.gateway.bridge;

import dev.opsbus.gateway.http.ConnectionLimits;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import java.util.HashMap;
import java.util.Map;

/**
 * The per-node caps on real-time sockets, bridge and terminal alike (issue 11, points 4 and 9):
 * sockets on this node, sockets that have not logged in, sockets from one client address (as
 * {@code ClientAddress} names it, so behind a trusted proxy the client, not the proxy), and terminal
 * sockets per user. A socket takes a {@link Ticket} when it opens and gives it back when it closes.
 * The cluster-wide per-user cap is the load balancer's business, not this class's. Event-loop confined.
 */
public final class ConnectionCaps {

  /** One socket's place under the caps. */
  public static final class Ticket {
    private final String address;
    private final String terminalUser;
    private final long openedNanos = System.nanoTime();
    private boolean anonymous;
    private boolean released;

    private Ticket(String address, String terminalUser, boolean anonymous) {
      this.address = address;
      this.terminalUser = terminalUser;
      this.anonymous = anonymous;
    }

    /** The client address the socket was counted under. */
    public String address() {
      return address;
    }

    boolean anonymous() {
      return anonymous;
    }

    long openedNanos() {
      return openedNanos;
    }
  }

  private final ConnectionLimits limits;
  private final Map<String, Integer> perAddress = new HashMap<>();
  private final Map<String, Integer> terminalsPerUser = new HashMap<>();
  private int sockets;
  private int anonymous;

  public ConnectionCaps(ConnectionLimits limits) {
    this.limits = limits;
  }

  public ConnectionLimits limits() {
    return limits;
  }

  /**
   * Admits a bridge socket from {@code address}, logged in or not.
   *
   * @throws OpsbusException {@code unavailable} when the node is at its socket or anonymous cap,
   *     {@code too_many_connections} when the address is at its cap
   */
  public synchronized Ticket admitBridge(String address, boolean loggedIn) {
    if (!loggedIn && anonymous >= limits.maxAnonymousSockets()) {
      throw new OpsbusException(ErrorCode.UNAVAILABLE, "this node has " + anonymous
          + " sockets open that have not logged in: connect with a token (cookie or Authorization header), or try again later");
    }
    checkCommon(address);
    Ticket t = new Ticket(address, null, !loggedIn);
    take(t);
    return t;
  }

  /**
   * Admits a terminal socket of {@code user} from {@code address}.
   *
   * @throws OpsbusException as {@link #admitBridge}, and {@code too_many_connections} when the user has
   *     {@code maxTerminalSocketsPerUser} terminal sockets open on this node
   */
  public synchronized Ticket admitTerminal(String address, String user) {
    int mine = terminalsPerUser.getOrDefault(user, 0);
    if (mine >= limits.maxTerminalSocketsPerUser()) {
      throw new OpsbusException(ErrorCode.TOO_MANY_CONNECTIONS, "user '" + user + "' has " + mine
          + " terminal sockets open on this node already: close one first");
    }
    checkCommon(address);
    Ticket t = new Ticket(address, user, false);
    take(t);
    terminalsPerUser.put(user, mine + 1);
    return t;
  }

  private void checkCommon(String address) {
    if (sockets >= limits.maxSockets()) {
      throw new OpsbusException(ErrorCode.UNAVAILABLE, "this node has " + sockets + " sockets open, its limit: try another node or later");
    }
    int fromAddress = perAddress.getOrDefault(address, 0);
    if (fromAddress >= limits.maxSocketsPerAddress()) {
      throw new OpsbusException(ErrorCode.TOO_MANY_CONNECTIONS, fromAddress + " sockets are open from " + address
          + " on this node already: close one first");
    }
  }

  private void take(Ticket t) {
    sockets++;
    if (t.anonymous) {
      anonymous++;
    }
    perAddress.merge(t.address, 1, Integer::sum);
  }

  /** The socket logged in: it no longer counts as anonymous. */
  public synchronized void loggedIn(Ticket t) {
    if (t != null && t.anonymous && !t.released) {
      t.anonymous = false;
      anonymous--;
    }
  }

  /** The socket closed; safe to call more than once. */
  public synchronized void release(Ticket t) {
    if (t == null || t.released) {
      return;
    }
    t.released = true;
    sockets--;
    if (t.anonymous) {
      anonymous--;
    }
    perAddress.computeIfPresent(t.address, (a, n) -> n <= 1 ? null : n - 1);
    if (t.terminalUser != null) {
      terminalsPerUser.computeIfPresent(t.terminalUser, (u, n) -> n <= 1 ? null : n - 1);
    }
  }

  /** Whether an anonymous socket has had its time to log in. */
  synchronized boolean authOverdue(Ticket t, long nowNanos) {
    return t.anonymous && !t.released && nowNanos - t.openedNanos > limits.socketAuthTimeout().toNanos();
  }

  public synchronized int sockets() {
    return sockets;
  }

  public synchronized int anonymousSockets() {
    return anonymous;
  }
}
