package dev.opsbus.gateway.bridge;

import dev.opsbus.model.ErrorCode;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

/** Counters of the bridge, read by /metrics and by the metrics verticle. Event-loop confined. */
public final class BridgeStats {

  private final Map<String, Integer> open = new HashMap<>();
  private final Map<ErrorCode, Long> refusals = new EnumMap<>(ErrorCode.class);
  private long opened;
  private long delivered;
  private long refused;

  void opened(String kind) {
    open.merge(kind, 1, Integer::sum);
    opened++;
  }

  void closed(String kind) {
    open.computeIfPresent(kind, (k, n) -> n - 1);
  }

  void delivered() {
    delivered++;
  }

  void refused(ErrorCode code) {
    refusals.merge(code, 1L, Long::sum);
    refused++;
  }

  public int open(String kind) {
    return open.getOrDefault(kind, 0);
  }

  public long openedTotal() {
    return opened;
  }

  public long deliveredTotal() {
    return delivered;
  }

  public long refusedTotal() {
    return refused;
  }

  public long refusedFor(ErrorCode code) {
    return refusals.getOrDefault(code, 0L);
  }
}
