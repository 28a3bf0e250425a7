package dev.opsbus.gateway.bridge;

import dev.opsbus.model.ErrorCode;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of the bridge, read by /metrics and by the metrics verticle. Counted from every accept
 * loop: the per-delivery count is a {@link LongAdder} (no lock on the hot path), the rest are rare
 * and take this object's lock.
 */
public final class BridgeStats {

  private final Map<String, Integer> open = new HashMap<>();
  private final Map<ErrorCode, Long> refusals = new EnumMap<>(ErrorCode.class);
  private long opened;
  private final LongAdder delivered = new LongAdder();
  private long refused;

  synchronized void opened(String kind) {
    open.merge(kind, 1, Integer::sum);
    opened++;
  }

  synchronized void closed(String kind) {
    open.computeIfPresent(kind, (k, n) -> n - 1);
  }

  void delivered() {
    delivered.increment();
  }

  synchronized void refused(ErrorCode code) {
    refusals.merge(code, 1L, Long::sum);
    refused++;
  }

  public synchronized int open(String kind) {
    return open.getOrDefault(kind, 0);
  }

  public synchronized long openedTotal() {
    return opened;
  }

  public long deliveredTotal() {
    return delivered.sum();
  }

  public synchronized long refusedTotal() {
    return refused;
  }

  public synchronized long refusedFor(ErrorCode code) {
    return refusals.getOrDefault(code, 0L);
  }
}
