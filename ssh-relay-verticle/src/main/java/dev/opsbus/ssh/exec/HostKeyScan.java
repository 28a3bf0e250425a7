package dev.opsbus.ssh.exec;

import dev.opsbus.model.BusFailures;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.wire.HostKeyOffer;
import dev.opsbus.ssh.HostDirectory;
import dev.opsbus.ssh.SshConnector;
import dev.opsbus.ssh.WireBodies;
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

  /** Asked with a {@link HostKeyOffer} naming a host or an address; answered with the same and the fingerprint. */
  void handle(Message<JsonObject> msg) {
    HostKeyOffer ask;
    try {
      ask = WireBodies.read(msg.body(), HostKeyOffer::fromJson, "ssh.hostkey.scan request");
    } catch (OpsbusException e) {
      BusFailures.fail(msg, e.code(), e.getMessage());
      return;
    }
    Future<HostKeyOffer> where;
    if (ask.hostId() != null) {
      where = hosts.info(ask.hostId()).map(h -> new HostKeyOffer(h.id(), h.address(), h.port(), null));
    } else if (ask.address() != null && !ask.address().isBlank()) {
      int port = ask.port() == null ? HostKeyOffer.DEFAULT_PORT : ask.port();
      if (port < 1 || port > 65535) {
        BusFailures.fail(msg, ErrorCode.INVALID_REQUEST, "port must be a whole number from 1 to 65535");
        return;
      }
      where = Future.succeededFuture(HostKeyOffer.at(ask.address(), port));
    } else {
      BusFailures.fail(msg, ErrorCode.INVALID_REQUEST, "ssh.hostkey.scan needs a hostId, or an address and a port");
      return;
    }
    where.compose(w -> vertx.executeBlocking(() -> w.withFingerprint(connector.scanFingerprint(w.address(), w.port())), false))
        .onSuccess(offer -> msg.reply(offer.toJson()))
        .onFailure(e -> BusFailures.fail(msg, e, "the host key scan failed"));
  }
}
