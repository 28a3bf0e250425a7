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
 */
public record SessionSnapshot(String type, Instant ts, long version, String sessionId, String hostId, String owner,
    String node, SessionStatus status, int cols, int rows, List<SessionParticipant> participants, Instant openedAt,
    String reason) {

  public static final String TYPE = "ssh_session";

  public SessionSnapshot {
    participants = participants == null ? List.of() : List.copyOf(participants);
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
