package dev.opsbus.model.wire;

import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.Json;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * One health sample of a host on {@code metrics.host.{hostId}} (and the last one, replayed by
 * {@code metrics.host.last}). Readings the host did not report are absent.
 *
 * @param seq grows by one per sample of the host on the relay that takes them
 * @param latencyMs SSH connect and login time, when reachable
 * @param status {@link #UP}, {@link #DEGRADED} or {@link #DOWN}
 * @param message a sentence: why degraded or down, or the SSH time when up
 * @param changed the status differs from the previous sample's ({@code previousStatus})
 * @param error why the host could not be reached ({@code host_unreachable}, ...)
 */
public record HostHealth(String type, Instant ts, String hostId, long seq, boolean reachable, Long latencyMs, Double load1,
    Double load5, Double load15, Long memTotalMb, Long memUsedMb, Integer diskUsedPercent, String status, String message,
    boolean changed, String previousStatus, ErrorCode error) {

  public static final String TYPE = "host_health";
  public static final String UP = "up";
  public static final String DEGRADED = "degraded";
  public static final String DOWN = "down";

  public JsonObject toJson() {
    return Json.toJsonObject(this);
  }

  public static HostHealth fromJson(JsonObject json) {
    return Json.fromJsonObject(json, HostHealth.class);
  }
}
