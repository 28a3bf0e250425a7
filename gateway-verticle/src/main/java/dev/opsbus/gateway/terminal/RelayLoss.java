package dev.opsbus.gateway.terminal;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.BusFailures;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.NodeLocal;
import dev.opsbus.model.wire.SessionEvent;
import dev.opsbus.model.wire.SessionSnapshot;
import dev.opsbus.model.wire.SessionStatus;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends the terminal sessions of a relay that is gone. A session lives in its relay's memory; when
 * that node leaves the cluster (or nobody serves its {@code node.{nodeId}.ssh.ping} any more) the
 * session is over for everyone. Once a second the gateway with the smallest node id among the live
 * members (one publisher for the cluster) publishes, for each such session, a {@code closed}
 * {@link SessionEvent} with reason {@code session_lost} on its events address (every participant's
 * terminal socket forwards it and closes with reason {@code session_lost}) and a final
 * {@link SessionSnapshot} with status {@code closed} on {@code ssh.sessions}, so that the session
 * leaves every list (gateways, relays' {@code ssh.list}, metrics).
 */
public final class RelayLoss {

  public static final String REASON = ErrorCode.SESSION_LOST.wireName();
  private static final Logger LOG = LoggerFactory.getLogger(RelayLoss.class);
  private static final long PERIOD_MS = 1_000;
  private static final long PING_TIMEOUT_MS = 1_500;

  private final Vertx vertx;
  private final String nodeId;
  private final SessionDirectory sessions;
  private final Set<String> ended = new HashSet<>();
  private long timer = -1;

  public RelayLoss(Vertx vertx, String nodeId, SessionDirectory sessions) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.sessions = sessions;
  }

  public void start() {
    timer = vertx.setPeriodic(PERIOD_MS, t -> check());
  }

  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  private void check() {
    Object v = vertx.sharedData().getLocalMap(NodeLocal.MAP).get(NodeLocal.MEMBERS);
    if (!(v instanceof String s)) {
      return; // not clustered: a relay of this node goes with its gateway
    }
    Set<String> members = Arrays.stream(s.split(",")).filter(x -> !x.isBlank()).collect(Collectors.toSet());
    if (!members.isEmpty() && !nodeId.equals(members.stream().sorted().findFirst().orElse(nodeId))) {
      return; // another gateway publishes for the cluster
    }
    List<SessionSnapshot> live = sessions.liveSessions();
    Set<String> relays = live.stream().map(SessionSnapshot::node).filter(n -> n != null).collect(Collectors.toSet());
    for (String relay : relays) {
      if (!members.contains(relay)) {
        lost(relay, live, "it left the cluster");
      } else {
        vertx.eventBus().request(Addresses.NODE_SSH_PING.format(relay), null, new DeliveryOptions().setSendTimeout(PING_TIMEOUT_MS))
            .onFailure(err -> {
              if (BusFailures.codeOf(err) == ErrorCode.NO_HANDLER) {
                lost(relay, sessions.liveSessions(), "nobody serves its relay any more");
              }
            });
      }
    }
  }

  private void lost(String relay, List<SessionSnapshot> live, String why) {
    for (SessionSnapshot s : live) {
      if (!relay.equals(s.node()) || !ended.add(s.sessionId())) {
        continue;
      }
      Instant now = Instant.now();
      LOG.warn("terminal session {} on {} ended: its relay (node {}) is lost: {}", s.sessionId(), s.hostId(), relay, why);
      vertx.eventBus().publish(Addresses.SSH_SESSION_EVENTS.format(s.sessionId()),
          new SessionEvent(SessionEvent.CLOSED, now, s.sessionId(), Integer.MAX_VALUE, null, null, s.cols(), s.rows(), REASON, null).toJson());
      vertx.eventBus().publish(Addresses.SSH_SESSIONS, new SessionSnapshot(SessionSnapshot.TYPE, now, s.version() + 1, s.sessionId(),
          s.hostId(), s.owner(), s.node(), SessionStatus.CLOSED, s.cols(), s.rows(), s.participants(), s.openedAt(), REASON).toJson());
    }
  }
}
