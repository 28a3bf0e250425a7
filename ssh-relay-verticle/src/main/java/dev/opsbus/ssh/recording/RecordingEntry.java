package dev.opsbus.ssh.recording;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * One recording as listed ({@code recordings.list}, {@code GET /api/recordings}): whose session on
 * which host, when, how large, and whether it stopped before the session ended.
 *
 * @param endedAt null while the session runs (or when its relay died before it could say)
 * @param sizeBytes asciicast text written to the database so far, in bytes
 * @param truncated the recording stopped early; {@code stopReason} says why
 */
public record RecordingEntry(String sessionId, String hostId, String owner, String nodeId, Instant startedAt, Instant endedAt,
    long sizeBytes, boolean truncated, String stopReason) {

  public JsonObject toJson() {
    JsonObject o = new JsonObject().put("sessionId", sessionId).put("hostId", hostId).put("owner", owner).put("node", nodeId)
        .put("startedAt", startedAt.toString()).put("endedAt", endedAt == null ? null : endedAt.toString())
        .put("sizeBytes", sizeBytes).put("truncated", truncated);
    if (stopReason != null) {
      o.put("stopReason", stopReason);
    }
    return o;
  }
}
