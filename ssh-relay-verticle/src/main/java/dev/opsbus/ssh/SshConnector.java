package dev.opsbus.ssh;

import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import net.schmizz.keepalive.KeepAliveProvider;
import net.schmizz.keepalive.KeepAliveRunner;
import net.schmizz.sshj.DefaultConfig;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.common.Buffer;
import net.schmizz.sshj.transport.TransportException;
import net.schmizz.sshj.transport.verification.HostKeyVerifier;
import net.schmizz.sshj.userauth.UserAuthException;
import net.schmizz.sshj.userauth.keyprovider.KeyProvider;

/**
 * Opens authenticated sshj connections. Blocking: call it on a worker thread, never on an event
 * loop. The host key must match the pinned fingerprint; there is no accept-all here. Every failure
 * becomes an {@link OpsbusException} with a code and a sentence a person can act on.
 */
public final class SshConnector {

  /**
   * sshj's configuration, built once, on the first connection's thread (a relay thread, never an
   * event loop): a {@link DefaultConfig} tries every cipher it knows as it is made, which was about
   * 40% of a new connection's CPU in the ops bench's profile when made per connection. Clients only
   * read it; each connection gets its own keep-alive runner from the provider.
   */
  private static final class Configs {
    static final DefaultConfig PLAIN = new DefaultConfig();
    static final DefaultConfig KEEP_ALIVE = new DefaultConfig();

    static {
      KEEP_ALIVE.setKeepAliveProvider(KeepAliveProvider.KEEP_ALIVE);
    }
  }

  private final Duration timeout;

  public SshConnector(Duration timeout) {
    this.timeout = timeout;
  }

  /** {@code SHA256:<base64, no padding>} of a public key, as OpenSSH prints it. */
  public static String fingerprint(PublicKey key) {
    byte[] blob = new Buffer.PlainBuffer().putPublicKey(key).getCompactData();
    try {
      return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(MessageDigest.getInstance("SHA-256").digest(blob));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Connects and authenticates; the caller owns (and closes) the client. */
  public SSHClient connect(SshTarget target) {
    return connect(target, () -> { });
  }

  /**
   * As {@link #connect(SshTarget)}, calling {@code beforeAuth} (on this thread) once the host key
   * is verified and authentication starts, so a caller can report the step it is at.
   */
  public SSHClient connect(SshTarget target, Runnable beforeAuth) {
    return connect(target, beforeAuth, null);
  }

  /**
   * As {@link #connect(SshTarget, Runnable)}, with the SSH keep-alive on when {@code keepAlive} is
   * given: a {@code keepalive@openssh.com} request every interval, and the connection dropped
   * (disconnected, so a pool sees it broken) after five go unanswered. For connections that stay open.
   */
  public SSHClient connect(SshTarget target, Runnable beforeAuth, Duration keepAlive) {
    AtomicReference<String> offered = new AtomicReference<>();
    SSHClient ssh = new SSHClient(keepAlive != null ? Configs.KEEP_ALIVE : Configs.PLAIN);
    if (keepAlive != null) {
      ssh.getConnection().getKeepAlive().setKeepAliveInterval((int) Math.max(1, keepAlive.toSeconds()));
      if (ssh.getConnection().getKeepAlive() instanceof KeepAliveRunner runner) {
        runner.setMaxAliveCount(5);
      }
    }
    ssh.addHostKeyVerifier(new HostKeyVerifier() {
      @Override
      public boolean verify(String hostname, int port, PublicKey key) {
        String fp = fingerprint(key);
        offered.set(fp);
        return target.fingerprint() != null && target.fingerprint().equals(fp);
      }

      @Override
      public List<String> findExistingAlgorithms(String hostname, int port) {
        return List.of();
      }
    });
    int ms = (int) timeout.toMillis();
    // keystrokes are small packets: Nagle would hold one back behind the ACK of the last
    ssh.setSocketFactory(NoDelaySockets.INSTANCE);
    ssh.setConnectTimeout(ms);
    ssh.setTimeout(ms);
    ssh.getTransport().setTimeoutMs(ms);
    try {
      ssh.connect(target.address(), target.port());
    } catch (TransportException e) {
      closeQuietly(ssh);
      if (offered.get() != null && (target.fingerprint() == null || !target.fingerprint().equals(offered.get()))) {
        throw hostKeyProblem(target, offered.get());
      }
      throw unreachable(target, e);
    } catch (IOException e) {
      closeQuietly(ssh);
      throw unreachable(target, e);
    }
    try {
      beforeAuth.run();
      if (target.authType() == SshTarget.AuthType.PASSWORD) {
        ssh.authPassword(target.username(), target.secret());
      } else {
        KeyProvider keys = ssh.loadKeys(target.secret(), null, null);
        ssh.authPublickey(target.username(), keys);
      }
      return ssh;
    } catch (UserAuthException e) {
      closeQuietly(ssh);
      throw new OpsbusException(ErrorCode.SSH_AUTH_FAILED,
          "host '" + target.hostId() + "' refused the credentials of user '" + target.username() + "'");
    } catch (IOException e) {
      closeQuietly(ssh);
      throw unreachable(target, e);
    }
  }

  /** Connects only as far as the key exchange and reports the host key offered; pins nothing. */
  public String scanFingerprint(String address, int port) {
    AtomicReference<String> offered = new AtomicReference<>();
    SSHClient ssh = new SSHClient(Configs.PLAIN);
    ssh.addHostKeyVerifier(new HostKeyVerifier() {
      @Override
      public boolean verify(String hostname, int p, PublicKey key) {
        offered.set(fingerprint(key));
        // accepted for the scan alone: the key exchange ends quietly (refused, sshj logged two ERROR
        // lines per scan) and the client disconnects right after it, before any authentication: a
        // scan never sends a credential, and no pin is made here
        return true;
      }

      @Override
      public List<String> findExistingAlgorithms(String hostname, int p) {
        return List.of();
      }
    });
    ssh.setConnectTimeout((int) timeout.toMillis());
    ssh.setTimeout((int) timeout.toMillis());
    try {
      ssh.connect(address, port);
    } catch (IOException e) {
      if (offered.get() == null) {
        throw unreachable(new SshTarget("?", address, port, "?", SshTarget.AuthType.PASSWORD, null, null), e);
      }
    } finally {
      closeQuietly(ssh);
    }
    if (offered.get() == null) {
      throw new OpsbusException(ErrorCode.HOST_UNREACHABLE, address + ":" + port + " offered no host key");
    }
    return offered.get();
  }

  private static OpsbusException hostKeyProblem(SshTarget t, String offered) {
    if (t.fingerprint() == null) {
      return new OpsbusException(ErrorCode.HOST_KEY_UNKNOWN, "host '" + t.hostId() + "' has no pinned host key: an admin must accept the fingerprint it offers ("
          + offered + ") before anyone connects");
    }
    return new OpsbusException(ErrorCode.HOST_KEY_MISMATCH, "host key of '" + t.hostId() + "' changed: it offers " + offered
        + " but " + t.fingerprint() + " is pinned. Refusing to connect (a different server, or a man in the middle)");
  }

  private static OpsbusException unreachable(SshTarget t, Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String why;
    if (root instanceof ConnectException) {
      why = "connection refused";
    } else if (root instanceof SocketTimeoutException || e instanceof SocketTimeoutException) {
      why = "no answer within the timeout";
    } else if (root instanceof UnknownHostException) {
      why = "unknown host name";
    } else if (root instanceof NoRouteToHostException) {
      why = "no route to host";
    } else {
      why = String.valueOf(root.getMessage());
    }
    return new OpsbusException(ErrorCode.HOST_UNREACHABLE, "cannot reach host '" + t.hostId() + "' at " + t.address() + ":" + t.port() + ": " + why);
  }

  static void closeQuietly(SSHClient ssh) {
    try {
      ssh.close();
    } catch (IOException ignored) {
      // closing a connection that failed: nothing more to tell
    }
  }
}
