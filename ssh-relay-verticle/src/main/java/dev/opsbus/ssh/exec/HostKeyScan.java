package dev.opsbus.ssh.exec;

import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.ssh.HostDirectory;
import dev.opsbus.ssh.SshConnector;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/**
 * Answers {@code ssh.hostkey.scan}: connects as far as the key exchange and reports the host key
 * fingerprint offered, so an admin can compare it before pinning it. Pins nothing, sends no
 * credentials. The scan is blocking and runs on a worker.
 */
final class HostKeyScan {

  private final Vertx vertx;
  private final HostDirectory hosts;
  private final SshConnector connector;

  HostKeyScan(Vertx vertx, HostDirectory hosts, SshConnector connector) {
    this.vertx = vertx;
    this.hosts = hosts;
    this.connector = connector;
  }

  /** Body {@code {"address","port"}} or {@code {"hostId"}}; reply {@code {"fingerprint","address","port"[,"hostId"]}}. */
  void handle(Message<JsonObject> msg) {
    JsonObject body = msg.body() == null ? new JsonObject() : msg.body();
    Future<JsonObject> where;
    if (body.getValue("hostId") instanceof String hostId) {
      where = hosts.info(hostId).map(h -> new JsonObject().put("hostId", h.id()).put("address", h.address()).put("port", h.port()));
    } else if (body.getValue("address") instanceof String address && !address.isBlank()) {
      Object p = body.getValue("port", 22);
      if (!(p instanceof Integer port) || port < 1 || port > 65535) {
        msg.fail(ErrorCode.INVALID_REQUEST.failureCode(), "port must be a whole number from 1 to 65535");
        return;
      }
      where = Future.succeededFuture(new JsonObject().put("address", address).put("port", port));
    } else {
      msg.fail(ErrorCode.INVALID_REQUEST.failureCode(), "ssh.hostkey.scan needs a hostId, or an address and a port");
      return;
    }
    where.compose(w -> vertx.executeBlocking(() -> w.put("fingerprint", connector.scanFingerprint(w.getString("address"), w.getInteger("port"))), false))
        .onSuccess(msg::reply)
        .onFailure(e -> {
          ErrorCode code = e instanceof OpsbusException oe ? oe.code() : ErrorCode.INTERNAL_ERROR;
          msg.fail(code.failureCode(), e instanceof OpsbusException ? e.getMessage() : "the host key scan failed");
        });
  }
}
