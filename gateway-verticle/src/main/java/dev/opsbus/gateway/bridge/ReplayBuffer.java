package dev.opsbus.gateway.bridge;

import dev.opsbus.model.wire.ReplayAnswer;
import dev.opsbus.model.wire.ReplayRequest;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.PermissionRule;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The live messages a connection holds back while an address's history is being replayed to it:
 * they go out after the replay, minus those the replay already carried (by {@code seq}), so the
 * subscriber sees every change once, in order. One per connection, made only while a replay runs.
 * Event-loop confined.
 */
final class ReplayBuffer {

  private record Held(String frame, Long seq) {
  }

  private final Map<String, List<Held>> held = new HashMap<>(2);

  /**
   * The replay of an address starts: live messages for it are held from now on. A resync while an
   * earlier replay of the address runs supersedes it: the new one takes over what the earlier one
   * held, and only the answer of the newest ends the hold.
   *
   * @return this replay's ticket, for {@link #end}
   */
  Object begin(String address) {
    List<Held> list = new ArrayList<>();
    List<Held> superseded = held.put(address, list);
    if (superseded != null) {
      list.addAll(superseded);
    }
    return list;
  }

  boolean isReplaying(String address) {
    return held.containsKey(address);
  }

  /** Holds a live frame of an address under replay; returns how many it holds for the address now. */
  int hold(String address, String frame, Long seq) {
    List<Held> list = held.get(address);
    list.add(new Held(frame, seq));
    return list.size();
  }

  /**
   * Ends the replay of an address: the frames held for it that the replay did not carry (a seq
   * after {@code lastReplayedSeq}, or no seq at all), in arrival order; null when the address was
   * not under replay (the client unregistered meanwhile) or a later replay superseded this one.
   */
  List<String> end(String address, Object ticket, long lastReplayedSeq) {
    List<Held> list = held.get(address);
    if (list == null || list != ticket) {
      // unregistered meanwhile, or superseded by a later resync that will answer instead
      return null;
    }
    held.remove(address);
    List<String> frames = new ArrayList<>(list.size());
    for (Held h : list) {
      if (h.seq() == null || h.seq() > lastReplayedSeq) {
        frames.add(h.frame());
      }
    }
    return frames;
  }

  /** Drops the replay of an address and what it held. */
  void cancel(String address) {
    held.remove(address);
  }

  boolean isEmpty() {
    return held.isEmpty();
  }

  /**
   * What a subscriber asks the rule's replay service: {@code replay}, the {@code address}, its named
   * parts ({@code hostId}, ...), and with {@code headers.sinceSeq} the last change it saw.
   *
   * @throws OpsbusException {@code invalid_frame} when {@code sinceSeq} is not a whole number
   */
  static JsonObject request(String address, PermissionRule rule, JsonObject headers) {
    Object since = headers == null ? null : headers.getValue(ReplayRequest.SINCE_SEQ);
    Long sinceSeq = null;
    if (since != null) {
      try {
        sinceSeq = Long.parseLong(String.valueOf(since));
      } catch (NumberFormatException e) {
        throw new OpsbusException(ErrorCode.INVALID_FRAME, "headers.sinceSeq must be a whole number");
      }
    }
    return new ReplayRequest(address, rule.address().match(address).orElse(null), sinceSeq).toJson();
  }

  /** The changes a replay service answered, in order; null when it answered nothing. */
  static JsonArray changes(JsonObject answer) {
    return answer == null ? null : ReplayAnswer.fromJson(answer).changes();
  }

  /** The highest {@code seq} among replayed changes, or {@link Long#MIN_VALUE} when none carries one. */
  static long lastSeq(JsonArray changes) {
    long last = Long.MIN_VALUE;
    if (changes != null) {
      for (Object o : changes) {
        Long seq = seqOf(o);
        if (seq != null) {
          last = Math.max(last, seq);
        }
      }
    }
    return last;
  }

  /** The {@code seq} of a change, or null when the body carries none. */
  static Long seqOf(Object body) {
    return body instanceof JsonObject o && o.getValue("seq") instanceof Number n ? n.longValue() : null;
  }
}
