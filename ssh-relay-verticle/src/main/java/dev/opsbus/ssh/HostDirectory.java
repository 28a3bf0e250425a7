package dev.opsbus.ssh;

import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.secret.CredentialCipher;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/**
 * The relay's read side of the {@code hosts} table: how to reach a host (secret decrypted here and
 * nowhere else), which logs to tail, and pinning a host key. The gateway owns creating and editing
 * hosts; it announces changes on {@code hosts.changed}, and since nothing here is cached, a change
 * is seen by the next connection.
 */
public final class HostDirectory {

  /** One log file to tail on a host, published as {@code logs.host.<hostId>.<stream>}. */
  public record LogSpec(String stream, String path) {
  }

  /** A host as the relay sees it, without its secret. */
  public record HostInfo(String id, String name, String address, int port, String username, String fingerprint, List<LogSpec> logs) {
  }

  private final Pool pool;
  private final CredentialCipher cipher;

  public HostDirectory(Pool pool, CredentialCipher cipher) {
    this.pool = pool;
    this.cipher = cipher;
  }

  /** How to reach {@code hostId}; fails with {@code not_found} for an unknown host. */
  public Future<SshTarget> target(String hostId) {
    return pool.preparedQuery("SELECT id, address, port, username, auth_type, secret_encrypted, host_key_fingerprint FROM hosts WHERE id = $1")
        .execute(Tuple.of(hostId))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.failedFuture(new OpsbusException(ErrorCode.NOT_FOUND, "no host '" + hostId + "'"));
          }
          Row r = rows.iterator().next();
          String secret;
          try {
            secret = cipher.decrypt(r.getString("secret_encrypted"));
          } catch (IllegalArgumentException e) {
            return Future.failedFuture(new OpsbusException(ErrorCode.INTERNAL_ERROR, "the stored credentials of host '" + hostId + "' cannot be decrypted"));
          }
          return Future.succeededFuture(new SshTarget(r.getString("id"), r.getString("address"), r.getInteger("port"),
              r.getString("username"), "key".equals(r.getString("auth_type")) ? SshTarget.AuthType.KEY : SshTarget.AuthType.PASSWORD,
              secret, r.getString("host_key_fingerprint")));
        });
  }

  public Future<List<HostInfo>> all() {
    return pool.query("SELECT id, name, address, port, username, host_key_fingerprint, logs FROM hosts ORDER BY id").execute()
        .map(rows -> {
          List<HostInfo> out = new ArrayList<>();
          rows.forEach(r -> out.add(info(r)));
          return out;
        });
  }

  public Future<HostInfo> info(String hostId) {
    return pool.preparedQuery("SELECT id, name, address, port, username, host_key_fingerprint, logs FROM hosts WHERE id = $1")
        .execute(Tuple.of(hostId))
        .compose(rows -> rows.size() == 0
            ? Future.failedFuture(new OpsbusException(ErrorCode.NOT_FOUND, "no host '" + hostId + "'"))
            : Future.succeededFuture(info(rows.iterator().next())));
  }

  private static HostInfo info(Row r) {
    List<LogSpec> logs = new ArrayList<>();
    Object raw = r.getValue("logs");
    JsonArray arr = raw instanceof JsonArray a ? a : new JsonArray();
    for (Object o : arr) {
      if (o instanceof JsonObject j && j.getString("stream") != null && j.getString("path") != null) {
        logs.add(new LogSpec(j.getString("stream"), j.getString("path")));
      }
    }
    return new HostInfo(r.getString("id"), r.getString("name"), r.getString("address"), r.getInteger("port"),
        r.getString("username"), r.getString("host_key_fingerprint"), logs);
  }
}
