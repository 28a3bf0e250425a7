package dev.opsbus.model.wire;

import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * What the bridge asks a rule's replay service for a new subscriber: {@code replay: true}, the
 * {@code address}, its named parts as fields of their own ({@code hostId}, ...: the service reads
 * them as it reads any request), and with {@code sinceSeq} the last change the subscriber saw.
 * Answered with a {@link ReplayAnswer}.
 */
public record ReplayRequest(String address, Map<String, String> parts, Long sinceSeq) {

  static final String REPLAY = "replay";
  static final String ADDRESS = "address";
  public static final String SINCE_SEQ = "sinceSeq";

  public JsonObject toJson() {
    JsonObject o = new JsonObject().put(REPLAY, true).put(ADDRESS, address);
    if (parts != null) {
      parts.forEach(o::put);
    }
    if (sinceSeq != null) {
      o.put(SINCE_SEQ, sinceSeq);
    }
    return o;
  }

  /** A request body that asks for a replay (rather than, say, a plain {@code ops.list}). */
  public static boolean isReplay(JsonObject body) {
    return body != null && Boolean.TRUE.equals(body.getValue(REPLAY));
  }
}
