package dev.opsbus.ssh.monitor;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.BusFailures;
import dev.opsbus.model.BusIdentity;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.Principal;
import dev.opsbus.model.wire.ReplayAnswer;
import dev.opsbus.model.wire.ReplayRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code logs.host.last}, the replay of {@code logs.host.{hostId}.{stream}}: a new subscriber
 * first gets the last lines of the log (at most {@code sshRelay.logReplayLines}, as the
 * {@code log_lines} batches that carried them, oldest first; with {@code sinceSeq} only the batches
 * after it). The lines live in the {@link LogHistory} of the relay that tails the log (its owner,
 * {@link HostOwnership}); any relay may be asked, and one that does not own the host asks the
 * owner on {@code node.{nodeId}.logs.last}. An owner that cannot be reached means no replay (an
 * empty answer): the live lines follow all the same.
 */
final class LogReplay {

  private static final Logger LOG = LoggerFactory.getLogger(LogReplay.class);
  /** How long a relay waits for the owner's lines before answering without them. */
  static final long OWNER_TIMEOUT_MS = 3_000;
  private static final String ADDRESS = "address";

  private final Vertx vertx;
  private final String nodeId;
  private final LogHistory history;
  private final Function<String, String> ownerOf;
  private MessageConsumer<JsonObject> asked;
  private MessageConsumer<JsonObject> forwarded;

  /**
   * @param nodeId this relay's node
   * @param ownerOf the node whose relay tails a host now; null when unknown (this relay answers)
   */
  LogReplay(Vertx vertx, String nodeId, LogHistory history, Function<String, String> ownerOf) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.history = history;
    this.ownerOf = ownerOf;
  }

  /** Registers both consumers in the calling context (the monitor's event loop, where the history lives). */
  Future<Void> start() {
    asked = vertx.eventBus().consumer(Addresses.LOGS_HOST_LAST, this::answer);
    forwarded = vertx.eventBus().consumer(Addresses.NODE_LOGS_LAST.format(nodeId), this::answerOwn);
    return Future.all(asked.completion(), forwarded.completion()).mapEmpty();
  }

  Future<Void> stop() {
    return Future.join(asked == null ? Future.succeededFuture() : asked.unregister(),
        forwarded == null ? Future.succeededFuture() : forwarded.unregister()).mapEmpty();
  }

  /** A bridge's replay request (a {@link ReplayRequest} naming {@code hostId} and {@code stream}). */
  private void answer(Message<JsonObject> msg) {
    JsonObject body = msg.body();
    String hostId = body == null ? null : body.getString("hostId");
    String stream = body == null ? null : body.getString("stream");
    Principal caller = BusIdentity.of(msg.headers());
    if (hostId == null || caller != null && !caller.mayAccessHost(hostId)) {
      BusFailures.fail(msg, ErrorCode.ACCESS_DENIED, "not granted host '" + hostId + "'");
      return;
    }
    String address;
    Long sinceSeq;
    try {
      address = Addresses.LOGS_HOST.format(hostId, stream);
      sinceSeq = body.getValue(ReplayRequest.SINCE_SEQ) == null ? null : body.getLong(ReplayRequest.SINCE_SEQ);
    } catch (IllegalArgumentException | ClassCastException e) {
      BusFailures.fail(msg, ErrorCode.INVALID_REQUEST, "a log replay names a valid hostId and stream, and a whole number sinceSeq");
      return;
    }
    String owner = ownerOf.apply(hostId);
    if (owner == null || owner.equals(nodeId)) {
      msg.reply(answerFor(address, sinceSeq));
      return;
    }
    JsonObject ask = new JsonObject().put(ADDRESS, address);
    if (sinceSeq != null) {
      ask.put(ReplayRequest.SINCE_SEQ, sinceSeq);
    }
    vertx.eventBus().<JsonObject>request(Addresses.NODE_LOGS_LAST.format(owner), ask, new DeliveryOptions().setSendTimeout(OWNER_TIMEOUT_MS))
        .onComplete(ar -> {
          if (ar.succeeded()) {
            msg.reply(ar.result().body());
          } else {
            LOG.debug("the last lines of {} could not be had from relay {}: {}", address, owner, ar.cause().getMessage());
            msg.reply(ReplayAnswer.of().toJson());
          }
        });
  }

  /** Another relay asks this one, the owner, for a log's last lines. */
  private void answerOwn(Message<JsonObject> msg) {
    JsonObject body = msg.body();
    if (body == null || !(body.getValue(ADDRESS) instanceof String address) || !Addresses.LOGS_HOST.matches(address)) {
      BusFailures.fail(msg, ErrorCode.INVALID_REQUEST, "names no log address");
      return;
    }
    Long sinceSeq = body.getValue(ReplayRequest.SINCE_SEQ) instanceof Number n ? n.longValue() : null;
    msg.reply(answerFor(address, sinceSeq));
  }

  private JsonObject answerFor(String address, Long sinceSeq) {
    List<JsonObject> batches = history.since(address, sinceSeq);
    return ReplayAnswer.of(batches, null).toJson();
  }
}
