package dev.opsbus.ssh.exec;

import dev.opsbus.model.AddressPattern;
import dev.opsbus.model.BusFailures;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.ssh.HostDirectory;
import dev.opsbus.ssh.SshConnector;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import net.schmizz.sshj.SSHClient;

/**
 * Answers {@code ssh.exec.fence} ({@code {hostId, execId}}): over a fresh connection to the host,
 * stops whatever is left of command {@code execId} ({@link RemoteFence}) and answers
 * {@code {execId, outcome}} with outcome {@code killed}, {@code gone}, {@code unsupported} or
 * {@code left}. The operations verticle asks it for the command of an operation whose node was
 * lost, before the host and type may run again. Blocking work on a worker.
 */
final class FenceRequests {

  private static final long FENCE_WAIT_MS = 10_000;

  private final Vertx vertx;
  private final HostDirectory hosts;
  private final SshConnector connector;

  FenceRequests(Vertx vertx, HostDirectory hosts, SshConnector connector) {
    this.vertx = vertx;
    this.hosts = hosts;
    this.connector = connector;
  }

  void handle(Message<JsonObject> msg) {
    JsonObject body = msg.body();
    String hostId = body == null ? null : body.getValue("hostId") instanceof String s ? s : null;
    String execId = body == null ? null : body.getValue("execId") instanceof String s ? s : null;
    if (hostId == null || execId == null || !execId.matches(AddressPattern.SEGMENT)) {
      BusFailures.fail(msg, ErrorCode.INVALID_REQUEST, "ssh.exec.fence needs a hostId and an execId");
      return;
    }
    hosts.target(hostId)
        .compose(target -> vertx.executeBlocking(() -> {
          try (SSHClient ssh = connector.connect(target)) {
            return RemoteFence.stop(ssh, execId, FENCE_WAIT_MS);
          } catch (IOException e) {
            throw new java.io.UncheckedIOException("fencing on host '" + hostId + "' failed: " + e.getMessage(), e);
          }
        }, false))
        .onSuccess(outcome -> msg.reply(new JsonObject().put("execId", execId).put("outcome", outcome.wireName())))
        .onFailure(e -> BusFailures.fail(msg, e, "fencing command " + execId + " on host '" + hostId + "' failed"));
  }
}
