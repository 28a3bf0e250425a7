package dev.opsbus.node;

import com.fasterxml.jackson.databind.JsonNode;
import dev.opsbus.model.config.ConfigSection;
import java.time.Duration;
import java.util.Set;

/**
 * How a node leaves on SIGTERM (config section {@code drain}; see {@link NodeDrain}).
 *
 * @param timeout how long running operations may go on finishing before they are failed
 *     {@code node_shutdown}
 * @param reconnectWindow each real-time client is told to reconnect after a random delay within
 *     this window, so that the clients of a node going away do not all come back at once
 */
public record DrainConfig(Duration timeout, Duration reconnectWindow) {

  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(20);
  public static final Duration DEFAULT_RECONNECT_WINDOW = Duration.ofSeconds(5);

  public static final String SECTION = "drain";
  public static final Set<String> KEYS = Set.of("timeoutSeconds", "reconnectWindowMs");

  public DrainConfig {
    if (timeout.isNegative() || reconnectWindow.isNegative()) {
      throw new IllegalArgumentException("drain durations may not be negative");
    }
  }

  public static DrainConfig defaults() {
    return new DrainConfig(DEFAULT_TIMEOUT, DEFAULT_RECONNECT_WINDOW);
  }

  /** The config file's {@code drain} section over {@code base}; keys left out keep their value. */
  public static DrainConfig fromJson(JsonNode section, DrainConfig base) {
    ConfigSection s = ConfigSection.of(SECTION, section, KEYS);
    return new DrainConfig(s.duration("timeoutSeconds", Duration::ofSeconds, base.timeout),
        s.duration("reconnectWindowMs", Duration::ofMillis, base.reconnectWindow));
  }
}
