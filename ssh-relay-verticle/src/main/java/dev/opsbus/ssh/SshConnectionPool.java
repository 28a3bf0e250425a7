package dev.opsbus.ssh;

import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import net.schmizz.sshj.SSHClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SSH connections the relay's commands share: each command takes a {@link Lease} on an
 * authenticated {@link SSHClient} and opens its own session (channel) on it, so a command after
 * the first to a host pays no TCP connect, key exchange or authentication.
 *
 * <p>Connections are keyed by host id and a digest of everything that decides what the
 * connection is: address, port, user, auth type, the secret and the pinned host key. When any of
 * them changes (a re-pin, new credentials) the old connections get no new command and are closed
 * as soon as their commands end. Per key at most {@link ConnectionPoolSettings#maxPerHost()}
 * connections, each carrying at most {@link ConnectionPoolSettings#channelsPerConnection()}
 * commands; at most {@link ConnectionPoolSettings#maxTotal()} connections in all (an idle one of
 * another host is closed to make room). A command that finds no room waits for a lease to come
 * back, up to its deadline. Pooled connections run the SSH keep-alive; one found disconnected, or
 * marked {@link Lease#broken()} after a failed channel open, is discarded. {@link #closeIdle()}
 * closes those no command used within the idle timeout.
 *
 * <p>Blocking (connects, closes, waits): relay or worker threads only, never an event loop. The
 * pool's state is guarded by its monitor; connecting and closing happen outside it.
 */
public final class SshConnectionPool implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(SshConnectionPool.class);
  /** How often a waiting command looks again whether it was cancelled. */
  private static final long WAIT_SLICE_MS = 100;

  /** What a connection is to: a host id and the digest of how it is reached. */
  record Key(String hostId, String digest) {
  }

  /** One connection, or a place held for one being opened ({@code client == null}). */
  private static final class Conn {
    final Key key;
    SSHClient client;
    int leases;
    long lastUsedNanos = System.nanoTime();
    boolean retired;
    boolean broken;

    Conn(Key key) {
      this.key = key;
    }

    boolean usable() {
      return client != null && !retired && !broken && client.isConnected() && client.isAuthenticated();
    }
  }

  /** A command's share of one connection; {@link #close()} gives it back. */
  public final class Lease implements AutoCloseable {
    private final Conn conn;
    private final boolean reused;
    private boolean released;

    private Lease(Conn conn, boolean reused) {
      this.conn = conn;
      this.reused = reused;
    }

    public SSHClient client() {
      return conn.client;
    }

    /** Whether the connection was already open (no handshake paid for this lease). */
    public boolean reused() {
      return reused;
    }

    /** The connection failed (a channel would not open, the transport broke): nobody gets it again. */
    public void broken() {
      synchronized (SshConnectionPool.this) {
        conn.broken = true;
      }
    }

    /** Gives the connection back; closes it when it is broken, disconnected or retired and unused. */
    @Override
    public void close() {
      SSHClient toClose = null;
      synchronized (SshConnectionPool.this) {
        if (released) {
          return;
        }
        released = true;
        conn.leases--;
        conn.lastUsedNanos = System.nanoTime();
        // a broken or retired connection may still carry other commands: it is closed when the last one is done
        boolean dead = conn.broken || !conn.client.isConnected();
        if (!closed && (dead || conn.retired) && conn.leases == 0) {
          conns.remove(conn);
          toClose = conn.client;
        }
        SshConnectionPool.this.notifyAll();
      }
      if (toClose != null) {
        discard(toClose);
      }
    }
  }

  private final SshConnector connector;
  private final ConnectionPoolSettings settings;
  private final List<Conn> conns = new ArrayList<>();
  private final AtomicLong opened = new AtomicLong();
  private final AtomicLong discarded = new AtomicLong();
  private boolean closed;

  public SshConnectionPool(SshConnector connector, ConnectionPoolSettings settings) {
    this.connector = connector;
    this.settings = settings;
  }

  public ConnectionPoolSettings settings() {
    return settings;
  }

  /**
   * A lease on a connection to {@code target}: an open one with room, else a new one (connecting on
   * this thread, {@code beforeAuth} called as in {@link SshConnector#connect(SshTarget, Runnable)}),
   * else the first that makes room within {@code waitMs}.
   *
   * @param abandoned asked while waiting: true ends the wait with {@code cancelled}
   * @throws OpsbusException the connector's failure, {@code unavailable} when no room came in time,
   *     {@code cancelled} when abandoned
   */
  public Lease acquire(SshTarget target, Runnable beforeAuth, BooleanSupplier abandoned, long waitMs) {
    Key key = keyOf(target);
    long deadline = System.nanoTime() + waitMs * 1_000_000L;
    Conn placeholder;
    List<SSHClient> toClose = new ArrayList<>();
    try {
      synchronized (this) {
        while (true) {
          if (closed) {
            throw new OpsbusException(ErrorCode.UNAVAILABLE, "the ssh relay is stopping");
          }
          retireStale(key, toClose);
          Conn best = null;
          int ofKey = 0;
          for (Iterator<Conn> it = conns.iterator(); it.hasNext(); ) {
            Conn c = it.next();
            if (!c.key.equals(key)) {
              continue;
            }
            if (c.client != null && !c.retired && (!c.client.isConnected() || c.broken)) {
              // found dead: out now, closed (quietly) once its commands, if any, gave it back
              c.broken = true;
              if (c.leases == 0) {
                it.remove();
                toClose.add(c.client);
              }
              continue;
            }
            if (c.retired || c.broken) {
              continue;
            }
            ofKey++;
            if (c.usable() && c.leases < settings.channelsPerConnection() && (best == null || c.leases < best.leases)) {
              best = c;
            }
          }
          if (best != null) {
            best.leases++;
            best.lastUsedNanos = System.nanoTime();
            return new Lease(best, true);
          }
          if (ofKey < settings.maxPerHost() && makeRoom(toClose)) {
            placeholder = new Conn(key);
            placeholder.leases = 1;
            conns.add(placeholder);
            break;
          }
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            throw new OpsbusException(ErrorCode.UNAVAILABLE, "every connection to host '" + target.hostId() + "' is busy ("
                + settings.maxPerHost() + " connections x " + settings.channelsPerConnection() + " commands); try again later");
          }
          if (abandoned.getAsBoolean()) {
            throw new OpsbusException(ErrorCode.CANCELLED, "cancelled while waiting for a connection to host '" + target.hostId() + "'");
          }
          try {
            wait(Math.max(1, Math.min(WAIT_SLICE_MS, left / 1_000_000L)));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OpsbusException(ErrorCode.UNAVAILABLE, "the ssh relay is stopping");
          }
        }
      }
    } finally {
      toClose.forEach(this::discard);
    }
    SSHClient ssh;
    try {
      ssh = connector.connect(target, beforeAuth, settings.keepAlive());
    } catch (RuntimeException e) {
      synchronized (this) {
        conns.remove(placeholder);
        notifyAll();
      }
      throw e;
    }
    boolean lateClose;
    synchronized (this) {
      placeholder.client = ssh;
      placeholder.lastUsedNanos = System.nanoTime();
      lateClose = closed;
      if (lateClose) {
        conns.remove(placeholder);
      }
      notifyAll();
    }
    opened.incrementAndGet();
    if (lateClose) {
      discard(ssh);
      throw new OpsbusException(ErrorCode.UNAVAILABLE, "the ssh relay is stopping");
    }
    LOG.debug("new pooled connection to host {}", target.hostId());
    return new Lease(placeholder, false);
  }

  /** Connections of {@code key}'s host reached another way are retired: no new lease, closed once unused. */
  private void retireStale(Key key, List<SSHClient> toClose) {
    for (Iterator<Conn> it = conns.iterator(); it.hasNext(); ) {
      Conn c = it.next();
      if (c.key.hostId().equals(key.hostId()) && !c.key.digest().equals(key.digest()) && !c.retired) {
        c.retired = true;
        if (c.leases == 0 && c.client != null) {
          it.remove();
          toClose.add(c.client);
        }
      }
    }
  }

  /** True when one more connection fits in the total, closing the longest-idle unused one if needed. */
  private boolean makeRoom(List<SSHClient> toClose) {
    if (conns.size() < settings.maxTotal()) {
      return true;
    }
    Conn oldest = null;
    for (Conn c : conns) {
      if (c.client != null && c.leases == 0 && (oldest == null || c.lastUsedNanos < oldest.lastUsedNanos)) {
        oldest = c;
      }
    }
    if (oldest == null) {
      return false;
    }
    conns.remove(oldest);
    toClose.add(oldest.client);
    return true;
  }

  /** Closes the connections no command used within the idle timeout, and dead ones; returns how many. */
  public int closeIdle() {
    long now = System.nanoTime();
    long idleNanos = settings.idleTimeout().toNanos();
    List<SSHClient> toClose = new ArrayList<>();
    synchronized (this) {
      for (Iterator<Conn> it = conns.iterator(); it.hasNext(); ) {
        Conn c = it.next();
        if (c.client != null && c.leases == 0 && (now - c.lastUsedNanos >= idleNanos || !c.client.isConnected())) {
          it.remove();
          toClose.add(c.client);
        }
      }
      if (!toClose.isEmpty()) {
        notifyAll();
      }
    }
    toClose.forEach(this::discard);
    return toClose.size();
  }

  /** Connections open (or being opened) now. */
  public synchronized int size() {
    return conns.size();
  }

  /** Connections open to {@code hostId} now. */
  public synchronized int size(String hostId) {
    return (int) conns.stream().filter(c -> c.key.hostId().equals(hostId)).count();
  }

  /** Connections this pool has opened since it was made. */
  public long opened() {
    return opened.get();
  }

  /** Connections closed (idle, broken, retired, evicted or at the end) since it was made. */
  public long discarded() {
    return discarded.get();
  }

  /** Closes every connection (the commands on them see their channels end) and takes no new lease. */
  @Override
  public void close() {
    List<SSHClient> all = new ArrayList<>();
    synchronized (this) {
      closed = true;
      for (Conn c : conns) {
        if (c.client != null) {
          all.add(c.client);
        }
      }
      conns.clear();
      notifyAll();
    }
    all.forEach(this::discard);
  }

  private void discard(SSHClient ssh) {
    discarded.incrementAndGet();
    SshConnector.closeQuietly(ssh);
  }

  /** The key of {@code t}: its host id, and a digest of how it is reached (the secret never kept in the clear). */
  static Key keyOf(SshTarget t) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (String part : new String[] {t.address(), Integer.toString(t.port()), t.username(), String.valueOf(t.authType()),
          t.secret(), t.fingerprint()}) {
        byte[] b = String.valueOf(part).getBytes(StandardCharsets.UTF_8);
        md.update(Integer.toString(b.length).getBytes(StandardCharsets.US_ASCII));
        md.update((byte) ':');
        md.update(b);
      }
      return new Key(t.hostId(), HexFormat.of().formatHex(md.digest()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
