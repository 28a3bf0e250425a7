package dev.opsbus.model.wire;

import dev.opsbus.model.Json;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One terminal session as the owning relay publishes it on {@code ssh.sessions} after every change
 * (and answers it in {@code ssh.list}). {@code version} grows with every change of the session, so
 * a reader keeps the newest snapshot it saw.
 *
 * @param node the id of the node whose relay holds the shell
 * @param reason why the session ended, once it has
 * @param lastActivityAt the last input or output of the shell, as of {@code ts} (null when not known)
 */
public record SessionSnapshot(String type, Instant ts, long version, String sessionId, String hostId, String owner,
    String node, SessionStatus status, int cols, int rows, List<SessionParticipant> participants, Instant openedAt,
    String reason, Instant lastActivityAt) {

  public static final String TYPE = "ssh_session";
  /** {@code ssh.list} asked as the replay of {@code ssh.sessions} (the bridge's resync on subscribe) ... */
  public static final String REPLAY = "replay";
  /** ... answers the list as the replay's changes. */
  public static final String REPLAY_CHANGES = "changes";

  public SessionSnapshot {
    participants = participants == null ? List.of() : List.copyOf(participants);
  }

  /** A snapshot that does not say when the shell was last active. */
  public SessionSnapshot(String type, Instant ts, long version, String sessionId, String hostId, String owner,
      String node, SessionStatus status, int cols, int rows, List<SessionParticipant> participants, Instant openedAt,
      String reason) {
    this(type, ts, version, sessionId, hostId, owner, node, status, cols, rows, participants, openedAt, reason, null);
  }

  public Optional<SessionParticipant> participant(String username) {
    return participants.stream().filter(p -> p.username().equals(username)).findFirst();
  }

  public JsonObject toJson() {
    return Json.toJsonObject(this);
  }

  public static SessionSnapshot fromJson(JsonObject json) {
    return Json.fromJsonObject(json, SessionSnapshot.class);
  }
}
