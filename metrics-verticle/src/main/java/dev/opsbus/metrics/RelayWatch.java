package dev.opsbus.metrics;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.BusFailures;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.wire.SessionSnapshot;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one metrics verticle knows of the SSH relays: the live terminal sessions, from every change
 * on {@code ssh.sessions} and, at start, from {@code ssh.list} asked as a caller inside the cluster
 * (so a restarted metrics verticle does not start from zero); whether this node's relay answers
 * its ping ({@code node.{nodeId}.ssh.ping}); and, each period, a ping to every other node holding
 * sessions, whose sessions are forgotten once nobody serves its relay's address (the relay, or its
 * whole node, left the cluster).
 */
final class RelayWatch {

  private static final Logger LOG = LoggerFactory.getLogger(RelayWatch.class);
  private static final long LIST_TIMEOUT_MS = 5_000;

  private final Vertx vertx;
  private final String nodeId;
  private final boolean relayHere;
  private final DeliveryOptions ping;
  private final LiveSessions sessions = new LiveSessions();
  private MessageConsumer<Object> changes;
  private String lastOwnOutcome = "";

  /**
   * @param relayHere this node deploys an SSH relay, so its ping not being answered means it is down
   * @param pingTimeoutMs how long a relay may take to answer before it counts as not answering
   */
  RelayWatch(Vertx vertx, String nodeId, boolean relayHere, long pingTimeoutMs) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.relayHere = relayHere;
    this.ping = new DeliveryOptions().setSendTimeout(pingTimeoutMs);
  }

  /** Completes once session changes are heard; the sessions that already exist are asked for meanwhile. */
  Future<Void> start() {
    changes = vertx.eventBus().consumer(Addresses.SSH_SESSIONS, this::onChange);
    return changes.completion().onSuccess(v -> learnCurrentSessions());
  }

  /** Live sessions held by this node's relay. */
  int sessionsHere() {
    return sessions.countOn(nodeId);
  }

  /** Live sessions in the whole cluster. */
  int sessionsInCluster() {
    return sessions.count();
  }

  /**
   * Pings this node's relay and every other node holding sessions. Completes with whether this
   * node's relay answered, or null when this node runs no relay; never fails.
   */
  Future<Boolean> probe() {
    for (String other : sessions.nodes()) {
      if (!other.equals(nodeId)) {
        ping(other);
      }
    }
    if (!relayHere && sessions.countOn(nodeId) == 0) {
      return Future.succeededFuture(null);
    }
    return ping(nodeId).map(code -> {
      ownOutcome(code);
      return code == null;
    });
  }

  /** Completes with null when the relay of {@code node} answered, else with why it did not. */
  private Future<ErrorCode> ping(String node) {
    String address;
    try {
      address = Addresses.NODE_SSH_PING.format(node);
    } catch (IllegalArgumentException e) {
      // a node id no relay could have: nothing to ask, and nothing holds these sessions
      forget(node, "its node id is not an address segment");
      return Future.succeededFuture(ErrorCode.INVALID_REQUEST);
    }
    return vertx.eventBus().request(address, null, ping).<ErrorCode>map(reply -> null).recover(err -> {
      ErrorCode code = BusFailures.codeOf(err);
      if (code == ErrorCode.NO_HANDLER) {
        forget(node, "nobody serves its relay any more");
      }
      return Future.succeededFuture(code);
    });
  }

  private void forget(String node, String why) {
    int dropped = sessions.dropNode(node);
    if (dropped > 0) {
      LOG.info("metrics: node {} forgets {} terminal session(s) of node {}: {}", nodeId, dropped, node, why);
    }
  }

  private void onChange(Message<Object> message) {
    if (message.body() instanceof JsonObject json) {
      accept(json);
    }
  }

  private void accept(JsonObject json) {
    try {
      sessions.accept(SessionSnapshot.fromJson(json));
    } catch (IllegalArgumentException e) {
      LOG.warn("metrics: ignoring a malformed terminal session snapshot: {}", e.getMessage());
    }
  }

  /** Without identity headers, {@code ssh.list} is a trusted internal request and lists every session. */
  private void learnCurrentSessions() {
    vertx.eventBus().request(Addresses.SSH_LIST, new JsonObject(), new DeliveryOptions().setSendTimeout(LIST_TIMEOUT_MS))
        .onSuccess(reply -> {
          if (reply.body() instanceof JsonArray list) {
            list.forEach(s -> {
              if (s instanceof JsonObject json) {
                accept(json);
              }
            });
            LOG.info("metrics: node {} starts counting from {} live terminal session(s)", nodeId, sessions.count());
          }
        })
        .onFailure(err -> {
          if (BusFailures.codeOf(err) == ErrorCode.NO_HANDLER) {
            LOG.info("metrics: node {} found no SSH relay running; counting terminal sessions as they open", nodeId);
          } else {
            LOG.warn("metrics: node {} could not list the current terminal sessions ({}); counting them as they change",
                nodeId, BusFailures.explain(err, "SSH relay").getMessage());
          }
        });
  }

  /** Logs when this node's relay changes between answering and not, not once per period. */
  private void ownOutcome(ErrorCode code) {
    String outcome = code == null ? "ok" : code.wireName();
    if (outcome.equals(lastOwnOutcome)) {
      return;
    }
    String previous = lastOwnOutcome;
    lastOwnOutcome = outcome;
    if (code == null) {
      if (!previous.isEmpty()) {
        LOG.info("metrics: node {} SSH relay answers again", nodeId);
      }
    } else if (previous.isEmpty()) {
      // the node may deploy its relay after this verticle: not news until it has answered once
      LOG.info("metrics: node {} SSH relay does not answer its ping yet ({}); reporting it offline until it does", nodeId, outcome);
    } else {
      LOG.warn("metrics: node {} SSH relay does not answer its ping ({}); reporting it offline", nodeId, outcome);
    }
  }
}
