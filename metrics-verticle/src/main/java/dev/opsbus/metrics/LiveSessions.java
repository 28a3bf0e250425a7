package dev.opsbus.metrics;

import dev.opsbus.model.wire.SessionSnapshot;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The terminal sessions alive in the cluster, as the relays' {@code ssh.sessions} snapshots tell
 * them: the newest snapshot per session id wins, an ended session drops out (and an older snapshot
 * of it arriving late does not bring it back), and {@link #dropNode} forgets every session of a
 * relay that left. Plain logic, no Vert.x; called from one thread.
 */
final class LiveSessions {

  /** How many ended sessions are remembered, so that their late snapshots stay ignored. */
  static final int ENDED_REMEMBERED = 1000;

  private final Map<String, SessionSnapshot> live = new HashMap<>();
  private final Map<String, Long> ended = new LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
      return size() > ENDED_REMEMBERED;
    }
  };

  /** Takes a snapshot; returns whether it changed what is known. */
  boolean accept(SessionSnapshot s) {
    if (s == null || s.sessionId() == null || s.status() == null) {
      return false;
    }
    Long endedAt = ended.get(s.sessionId());
    if (endedAt != null && endedAt >= s.version()) {
      return false;
    }
    SessionSnapshot known = live.get(s.sessionId());
    if (known != null && known.version() >= s.version()) {
      return false;
    }
    if (s.status().ended()) {
      ended.put(s.sessionId(), s.version());
      return live.remove(s.sessionId()) != null;
    }
    live.put(s.sessionId(), s);
    return true;
  }

  /** Forgets the sessions held by the relay of {@code nodeId}; returns how many. */
  int dropNode(String nodeId) {
    int before = live.size();
    live.values().removeIf(s -> Objects.equals(nodeId, s.node()));
    return before - live.size();
  }

  /** Live sessions held by the relay of {@code nodeId}. */
  int countOn(String nodeId) {
    return (int) live.values().stream().filter(s -> Objects.equals(nodeId, s.node())).count();
  }

  /** Live sessions, cluster-wide. */
  int count() {
    return live.size();
  }

  /** The nodes whose relays hold live sessions, sorted. */
  Set<String> nodes() {
    Set<String> out = new TreeSet<>();
    live.values().forEach(s -> {
      if (s.node() != null) {
        out.add(s.node());
      }
    });
    return out;
  }
}
