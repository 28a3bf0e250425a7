package dev.opsbus.ssh.monitor;

import dev.opsbus.model.Addresses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The last lines of each log this relay tails, as the {@code log_lines} batches that carried them:
 * at most {@code maxLines} lines per log address, the oldest batch cut from its front when the bound
 * falls inside it (it keeps its {@code seq}). What a new subscriber is replayed before live lines
 * ({@code logs.host.last}); the bridge drops live batches the replay already carried by their
 * {@code seq}, so the subscriber sees each line once. Event-loop confined (the batcher publishes
 * there, and the replay is answered there).
 */
final class LogHistory {

  private record Batch(long seq, JsonObject message, int lines) {
  }

  private static final class Log {
    final ArrayDeque<Batch> batches = new ArrayDeque<>();
    int lines;
  }

  private final int maxLines;
  private final Map<String, Log> logs = new HashMap<>();

  /** @param maxLines lines kept per log; 0 keeps none (no replay) */
  LogHistory(int maxLines) {
    if (maxLines < 0) {
      throw new IllegalArgumentException("maxLines must not be negative");
    }
    this.maxLines = maxLines;
  }

  /** A batch was published on {@code address}: keep its lines, forget the oldest past the bound. */
  void published(String address, JsonObject message) {
    if (maxLines == 0 || !(message.getValue("seq") instanceof Number seq) || !(message.getValue("lines") instanceof JsonArray lines)
        || lines.isEmpty()) {
      return;
    }
    Log log = logs.computeIfAbsent(address, a -> new Log());
    // a copy without what only concerned the live message (lines dropped before it)
    JsonObject kept = message.copy();
    kept.remove("dropped");
    log.batches.addLast(new Batch(seq.longValue(), kept, lines.size()));
    log.lines += lines.size();
    while (log.lines > maxLines) {
      Batch first = log.batches.pollFirst();
      int over = log.lines - maxLines;
      if (over >= first.lines()) {
        log.lines -= first.lines();
        continue;
      }
      JsonArray rest = new JsonArray(new ArrayList<>(first.message().getJsonArray("lines").getList().subList(over, first.lines())));
      log.batches.addFirst(new Batch(first.seq(), first.message().copy().put("lines", rest), rest.size()));
      log.lines -= over;
    }
  }

  /**
   * The kept batches of {@code address} after {@code sinceSeq} (all when null), oldest first: at
   * most {@code maxLines} lines in all.
   */
  List<JsonObject> since(String address, Long sinceSeq) {
    Log log = logs.get(address);
    List<JsonObject> out = new ArrayList<>();
    if (log != null) {
      for (Batch b : log.batches) {
        if (sinceSeq == null || b.seq() > sinceSeq) {
          out.add(b.message());
        }
      }
    }
    return out;
  }

  /** Forgets the logs of a host this relay no longer tails (its next owner keeps them from now). */
  void forgetHost(String hostId) {
    for (Iterator<String> it = logs.keySet().iterator(); it.hasNext(); ) {
      String address = it.next();
      if (Addresses.LOGS_HOST.match(address).map(parts -> hostId.equals(parts.get("hostId"))).orElse(false)) {
        it.remove();
      }
    }
  }

  /** Lines kept for {@code address} now. */
  int lines(String address) {
    Log log = logs.get(address);
    return log == null ? 0 : log.lines;
  }
}
