package dev.opsbus.demohost;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.server.forward.RejectAllForwardingFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real SSH server on loopback only (Apache MINA SSHD): one user, a shell on a real pty (pty4j)
 * and exec through {@code /bin/sh -c}. It is the node's {@code --demo} host and the SSH server the
 * tests run against. Port forwarding and agent forwarding are refused, so it reaches nothing that
 * its shell cannot.
 */
public final class DemoSshServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(DemoSshServer.class);

  /** The only address the server binds. */
  public static final String LOOPBACK = "127.0.0.1";

  /**
   * How to start the server.
   *
   * @param port the port on 127.0.0.1; 0 picks a free one ({@link #port()} tells which)
   * @param hostKeyFile where the host key is kept: created on first start, reused after
   * @param username the one user who may log in
   * @param password that user's password; null to refuse password logins
   * @param authorizedKeys public keys that user may log in with; empty for none
   * @param workingDirectory where shells and commands start; also their {@code HOME}
   * @param keepCommandsOnDisconnect whether an exec'd command outlives its connection, as with
   *     OpenSSH's sshd for a command without a terminal (by default it is killed with its children)
   * @param inProcess answers the exec requests it recognises inside the server, without a process
   *     (it returns null for the others, which run as processes); null: every command is a process
   */
  public record Options(int port, Path hostKeyFile, String username, String password, List<PublicKey> authorizedKeys,
      Path workingDirectory, boolean keepCommandsOnDisconnect, Function<String, Command> inProcess) {

    public Options {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be 0..65535, got " + port);
      }
      Objects.requireNonNull(hostKeyFile, "hostKeyFile");
      Objects.requireNonNull(workingDirectory, "workingDirectory");
      if (username == null || username.isBlank()) {
        throw new IllegalArgumentException("username must not be blank");
      }
      authorizedKeys = authorizedKeys == null ? List.of() : List.copyOf(authorizedKeys);
      if (password == null && authorizedKeys.isEmpty()) {
        throw new IllegalArgumentException("give a password or at least one authorized key");
      }
    }

    public Options(int port, Path hostKeyFile, String username, String password, List<PublicKey> authorizedKeys, Path workingDirectory) {
      this(port, hostKeyFile, username, password, authorizedKeys, workingDirectory, false, null);
    }

    /** Password login for {@code username}, on a free port. */
    public static Options of(Path hostKeyFile, String username, String password, Path workingDirectory) {
      return new Options(0, hostKeyFile, username, password, List.of(), workingDirectory);
    }

    public Options withPort(int p) {
      return new Options(p, hostKeyFile, username, password, authorizedKeys, workingDirectory, keepCommandsOnDisconnect, inProcess);
    }

    public Options withAuthorizedKeys(List<PublicKey> keys) {
      return new Options(port, hostKeyFile, username, password, keys, workingDirectory, keepCommandsOnDisconnect, inProcess);
    }

    /** Exec'd commands keep running when their connection drops, as on a host with OpenSSH. */
    public Options keepingCommandsOnDisconnect() {
      return new Options(port, hostKeyFile, username, password, authorizedKeys, workingDirectory, true, inProcess);
    }

    /**
     * Exec requests {@code commands} recognises are answered inside the server (a benchmark's hosts,
     * whose own work is not what it measures); the others run as processes.
     */
    public Options answeringInProcess(Function<String, Command> commands) {
      return new Options(port, hostKeyFile, username, password, authorizedKeys, workingDirectory, keepCommandsOnDisconnect, commands);
    }

    @Override
    public String toString() {
      return "Options[port=" + port + ", hostKeyFile=" + hostKeyFile + ", username=" + username + ", password="
          + (password == null ? "none" : "set") + ", authorizedKeys=" + authorizedKeys.size()
          + ", workingDirectory=" + workingDirectory + ", keepCommandsOnDisconnect=" + keepCommandsOnDisconnect
          + ", inProcess=" + (inProcess != null) + "]";
    }
  }

  private final SshServer sshd;
  private final ExecutorService io;
  private final int port;
  private final String fingerprint;
  private final ConnectionCount connections;

  private DemoSshServer(SshServer sshd, ExecutorService io, int port, String fingerprint, ConnectionCount connections) {
    this.sshd = sshd;
    this.io = io;
    this.port = port;
    this.fingerprint = fingerprint;
    this.connections = connections;
  }

  /**
   * SSH connections (transport sessions) accepted since the start, how many are open, and the
   * credential checks asked for, for tests.
   */
  private static final class ConnectionCount implements SessionListener {
    final AtomicInteger authAttempts = new AtomicInteger();
    private int accepted;
    private int open;

    @Override
    public synchronized void sessionCreated(Session session) {
      accepted++;
      open++;
      notifyAll();
    }

    @Override
    public synchronized void sessionClosed(Session session) {
      open--;
      notifyAll();
    }

    synchronized boolean awaitOpen(int n, long ms) throws InterruptedException {
      long deadline = System.nanoTime() + ms * 1_000_000L;
      while (open != n) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        wait(Math.max(1, left / 1_000_000L));
      }
      return true;
    }
  }

  /**
   * Loads or creates the host key, binds 127.0.0.1 and starts accepting connections.
   *
   * @throws UncheckedIOException when the key file cannot be read or written or the port cannot be bound
   */
  public static DemoSshServer start(Options options) {
    Path workDir = options.workingDirectory().toAbsolutePath().normalize();
    if (!Files.isDirectory(workDir)) {
      throw new IllegalArgumentException("working directory " + workDir + " is not a directory");
    }
    KeyPair hostKey;
    try {
      hostKey = HostKeys.loadOrCreate(options.hostKeyFile());
    } catch (IOException e) {
      throw new UncheckedIOException("host key file " + options.hostKeyFile() + ": " + e.getMessage(), e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("host key file " + options.hostKeyFile() + " is unusable: " + e.getMessage(), e);
    }
    String user = options.username();
    byte[] password = options.password() == null ? null : options.password().getBytes(StandardCharsets.UTF_8);
    List<PublicKey> keys = options.authorizedKeys();
    ExecutorService io = Executors.newCachedThreadPool(daemonThreads());

    SshServer sshd = SshServer.setUpDefaultServer();
    sshd.setHost(LOOPBACK);
    sshd.setPort(options.port());
    sshd.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
    ConnectionCount connections = new ConnectionCount();
    sshd.setPasswordAuthenticator(password == null ? null : (u, p, session) -> {
      connections.authAttempts.incrementAndGet();
      return user.equals(u) && MessageDigest.isEqual(password, p.getBytes(StandardCharsets.UTF_8));
    });
    sshd.setPublickeyAuthenticator(keys.isEmpty() ? null : (u, key, session) -> {
      connections.authAttempts.incrementAndGet();
      return user.equals(u) && keys.stream().anyMatch(k -> KeyUtils.compareKeys(k, key));
    });
    sshd.setKeyboardInteractiveAuthenticator(null);
    sshd.setGSSAuthenticator(null);
    sshd.setHostBasedAuthenticator(null);
    sshd.setForwardingFilter(RejectAllForwardingFilter.INSTANCE);
    sshd.setShellFactory(channel -> new PtyShell(io, workDir, user));
    Function<String, Command> inProcess = options.inProcess();
    sshd.setCommandFactory((channel, command) -> {
      Command answered = inProcess == null ? null : inProcess.apply(command);
      return answered != null ? answered : new ExecCommand(io, command, workDir, user, options.keepCommandsOnDisconnect());
    });
    sshd.addSessionListener(connections);
    try {
      sshd.start();
    } catch (IOException e) {
      io.shutdownNow();
      throw new UncheckedIOException("SSH server could not bind " + LOOPBACK + ":" + options.port() + ": " + e.getMessage(), e);
    }
    int bound = boundPort(sshd);
    String fp = HostKeys.fingerprint(hostKey.getPublic());
    LOG.debug("SSH server on {}:{} for user {}, host key {}", LOOPBACK, bound, user, fp);
    return new DemoSshServer(sshd, io, bound, fp, connections);
  }

  private static int boundPort(SshServer sshd) {
    for (SocketAddress a : sshd.getBoundAddresses()) {
      if (a instanceof InetSocketAddress inet) {
        return inet.getPort();
      }
    }
    return sshd.getPort();
  }

  private static ThreadFactory daemonThreads() {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "demo-ssh-io-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** The port bound on 127.0.0.1. */
  public int port() {
    return port;
  }

  /** Always {@value #LOOPBACK}. */
  public String host() {
    return LOOPBACK;
  }

  /** {@code SHA256:<base64, no padding>} of the host key, exactly as OpenSSH and sshj print it. */
  public String fingerprint() {
    return fingerprint;
  }

  /** Password and public-key checks the server was asked for since it started (for tests). */
  public int authAttempts() {
    return connections.authAttempts.get();
  }

  /** SSH connections accepted since the server started. */
  public int connectionsAccepted() {
    synchronized (connections) {
      return connections.accepted;
    }
  }

  /** SSH connections open now. */
  public int connectionsOpen() {
    synchronized (connections) {
      return connections.open;
    }
  }

  /** Waits up to {@code timeout} until exactly {@code n} connections are open; false if that did not happen. */
  public boolean awaitConnectionsOpen(int n, Duration timeout) throws InterruptedException {
    return connections.awaitOpen(n, timeout.toMillis());
  }

  /** Cuts every open connection at once, as a host that restarts its SSH server or a network drop would. */
  public void dropConnections() {
    for (var session : sshd.getActiveSessions()) {
      session.close(true);
    }
  }

  /** Stops accepting, closes every session (which kills their processes) and the I/O threads. */
  @Override
  public void close() {
    try {
      sshd.stop(true);
    } catch (IOException e) {
      LOG.warn("SSH server on port {} did not stop cleanly: {}", port, e.getMessage());
    } finally {
      io.shutdownNow();
    }
  }
}
