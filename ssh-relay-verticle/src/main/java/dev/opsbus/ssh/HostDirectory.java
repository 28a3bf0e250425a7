package dev.opsbus.ssh;

import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.hosts.HostRecord;
import dev.opsbus.model.hosts.HostsClient;
import dev.opsbus.model.secret.CredentialCipher;
import io.vertx.core.Future;
import java.util.List;

/**
 * The relay's view of the hosts, asked of their owner (the gateway) over the bus: how to reach a
 * host, which logs to tail. The secret arrives sealed and is opened here, with the cluster key the
 * relay reads itself, just before a connection; it is never put back on the bus. Nothing is
 * cached, so a change announced on {@code hosts.changed} is seen by the next connection.
 */
public final class HostDirectory {

  /** One log file to tail on a host, published as {@code logs.host.<hostId>.<stream>}. */
  public record LogSpec(String stream, String path) {
  }

  /** A host as the relay sees it, without its secret. */
  public record HostInfo(String id, String name, String address, int port, String username, String fingerprint, List<LogSpec> logs) {
  }

  private final HostsClient hosts;
  private final CredentialCipher cipher;

  public HostDirectory(HostsClient hosts, CredentialCipher cipher) {
    this.hosts = hosts;
    this.cipher = cipher;
  }

  /** How to reach {@code hostId}; fails with {@code not_found} for an unknown host. */
  public Future<SshTarget> target(String hostId) {
    return hosts.connection(hostId).compose(c -> {
      HostRecord h = c.host();
      String secret;
      try {
        secret = cipher.decrypt(c.sealedSecret());
      } catch (IllegalArgumentException e) {
        return Future.failedFuture(new OpsbusException(ErrorCode.INTERNAL_ERROR, "the stored credentials of host '" + hostId + "' cannot be decrypted"));
      }
      return Future.succeededFuture(new SshTarget(h.id(), h.address(), h.port(), h.username(),
          HostRecord.KEY.equals(h.authType()) ? SshTarget.AuthType.KEY : SshTarget.AuthType.PASSWORD, secret, h.pinned()));
    });
  }

  public Future<List<HostInfo>> all() {
    return hosts.list().map(list -> list.stream().map(HostDirectory::info).toList());
  }

  public Future<HostInfo> info(String hostId) {
    return hosts.get(hostId).map(HostDirectory::info);
  }

  private static HostInfo info(HostRecord h) {
    return new HostInfo(h.id(), h.name(), h.address(), h.port(), h.username(), h.pinned(),
        h.logs().stream().map(l -> new LogSpec(l.stream(), l.path())).toList());
  }
}
