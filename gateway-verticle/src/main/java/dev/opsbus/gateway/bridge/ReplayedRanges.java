package dev.opsbus.gateway.bridge;

import dev.opsbus.model.Republished;
import io.vertx.core.MultiMap;
import io.vertx.core.eventbus.Message;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * The seqs the replays of one connection carried, per address: {@code (sinceSeq, last replayed]}, or
 * everything up to the last replayed for a replay of the current state. A change republished by a
 * surviving node (its committer died before publishing it, see the operations' {@code Republisher})
 * is dropped for a connection whose replay already carried it: a client of the dead node that
 * reconnected and resynced before the republish. A few ranges per address are kept (a client
 * resyncs on the same connection rarely). Event-loop confined; made on the first replay.
 */
final class ReplayedRanges {

  private static final int PER_ADDRESS = 4;

  private final Map<String, ArrayDeque<long[]>> ranges = new HashMap<>(2);

  /** A replay of {@code address} from {@code sinceSeq} (null: the current state) carried changes up to {@code lastSeq}. */
  void carried(String address, Long sinceSeq, long lastSeq) {
    if (lastSeq == Long.MIN_VALUE) {
      return;
    }
    ArrayDeque<long[]> list = ranges.computeIfAbsent(address, a -> new ArrayDeque<>(PER_ADDRESS));
    if (list.size() == PER_ADDRESS) {
      list.pollFirst();
    }
    list.addLast(new long[] {sinceSeq == null ? Long.MIN_VALUE : sinceSeq, lastSeq});
  }

  /** Whether {@code message} is a republished change that a replay of {@code address} already carried. */
  boolean carriedAlready(String address, Message<?> message) {
    return carriedAlready(address, message.headers(), message.body());
  }

  boolean carriedAlready(String address, MultiMap headers, Object body) {
    if (headers == null || !headers.contains(Republished.HEADER)) {
      return false;
    }
    Long seq = ReplayBuffer.seqOf(body);
    ArrayDeque<long[]> list = ranges.get(address);
    if (seq == null || list == null) {
      return false;
    }
    for (long[] r : list) {
      if (seq > r[0] && seq <= r[1]) {
        return true;
      }
    }
    return false;
  }

  /** The {@code headers.sinceSeq} of a register frame (already checked to be a whole number), or null. */
  static Long sinceSeq(io.vertx.core.json.JsonObject headers) {
    Object since = headers == null ? null : headers.getValue(dev.opsbus.model.wire.ReplayRequest.SINCE_SEQ);
    try {
      return since == null ? null : Long.parseLong(String.valueOf(since));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  void forget(String address) {
    ranges.remove(address);
  }
}
