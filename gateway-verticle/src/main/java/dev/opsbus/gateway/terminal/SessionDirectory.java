package dev.opsbus.gateway.terminal;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.Principal;
import dev.opsbus.model.ResourceGuard;
import dev.opsbus.model.Role;
import dev.opsbus.model.WriterRule;
import dev.opsbus.model.wire.SessionParticipant;
import dev.opsbus.model.wire.SessionSnapshot;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's view of terminal sessions cluster-wide, kept from {@code ssh.sessions}: who takes
 * part in which session, in which role. It answers the permission rules' session checks
 * ({@code session:{sid}}: a participant; {@code sessionWriter:{sid}}: the driver or a writer who also
 * passes the {@link WriterRule}: a writing role and the host's grant), so a
 * bridge client can watch a session only once the relay has let it join. Event-loop confined.
 */
public final class SessionDirectory implements ResourceGuard {

  private static final Logger LOG = LoggerFactory.getLogger(SessionDirectory.class);
  static final String CHECK_SESSION = "session";
  static final String CHECK_SESSION_WRITER = "sessionWriter";

  /**
   * Live sessions (not ended) by id, each as its newest snapshot. Written by the one consumer (the
   * gateway's loop), read by terminal sockets and permission checks on every accept loop.
   */
  private final Map<String, SessionSnapshot> live = new java.util.concurrent.ConcurrentHashMap<>();
  /** The newest version seen per session, ended ones included, so a late older snapshot cannot revive one. */
  private final Map<String, Long> versions = new java.util.concurrent.ConcurrentHashMap<>();
  private MessageConsumer<JsonObject> consumer;

  public Future<Void> start(Vertx vertx) {
    consumer = vertx.eventBus().consumer(Addresses.SSH_SESSIONS, m -> {
      try {
        update(SessionSnapshot.fromJson(m.body()));
      } catch (IllegalArgumentException e) {
        LOG.warn("ignored an ssh.sessions message that is not a session snapshot: {}", e.getMessage());
      }
    });
    return consumer.completion();
  }

  void update(SessionSnapshot s) {
    String sid = s.sessionId();
    if (sid == null) {
      return;
    }
    if (versions.getOrDefault(sid, -1L) > s.version()) {
      return;
    }
    versions.put(sid, s.version());
    if (s.status() != null && s.status().ended()) {
      live.remove(sid);
    } else {
      live.put(sid, s);
    }
  }

  /** The live sessions (their newest snapshots), for the watch on relays that are lost. */
  public java.util.List<SessionSnapshot> liveSessions() {
    return java.util.List.copyOf(live.values());
  }

  /** Live sessions whose shell the relay of {@code node} holds (the {@code opsbus_ssh_sessions} gauge). */
  public int liveOn(String node) {
    int n = 0;
    for (SessionSnapshot s : live.values()) {
      if (node.equals(s.node())) {
        n++;
      }
    }
    return n;
  }

  /** The user's part in a live session, or null. */
  public SessionParticipant participant(String sid, String username) {
    SessionSnapshot s = live.get(sid);
    return s == null ? null : s.participant(username).orElse(null);
  }

  @Override
  public boolean allows(Principal principal, String check, String sid) {
    // one read of the session: the consumer may replace or end it meanwhile
    SessionSnapshot s = live.get(sid);
    SessionParticipant p = s == null ? null : s.participant(principal.username()).orElse(null);
    return switch (check) {
      case CHECK_SESSION -> p != null || principal.hasRole(Role.ADMIN) && s != null;
      case CHECK_SESSION_WRITER -> p != null && p.mayWrite() && WriterRule.mayWrite(principal, s.hostId());
      default -> false;
    };
  }
}
