package dev.opsbus.model.config;

import java.util.Collection;
import java.util.List;

/**
 * A config-file key that cannot be used: unknown, or holding a bad value. It names the key by its
 * path ({@code bridge.queueBound}) so that whoever reads the file knows which line to fix; the
 * launcher adds the file it came from and exits with 2.
 */
public final class ConfigException extends IllegalArgumentException {

  private final String key;
  private final String problem;
  private final boolean unknownKey;

  private ConfigException(String key, String problem, boolean unknownKey) {
    super(unknownKey ? "unknown key '" + key + "' " + problem : key + ": " + problem);
    this.key = key;
    this.problem = problem;
    this.unknownKey = unknownKey;
  }

  /** {@code key} (a path like {@code gateway.secureCookie}) holds a value that cannot be used. */
  public static ConfigException badValue(String key, String problem) {
    return new ConfigException(key, problem, false);
  }

  /** {@code key} is not a key of its section, whose keys are {@code known}. */
  public static ConfigException unknownKey(String key, Collection<String> known) {
    return new ConfigException(key, "(known: " + String.join(", ", List.copyOf(known).stream().sorted().toList()) + ")", true);
  }

  /** The offending key as a path, {@code section.key}. */
  public String key() {
    return key;
  }

  /** What is wrong with the key, without the key. */
  public String problem() {
    return problem;
  }

  public boolean isUnknownKey() {
    return unknownKey;
  }

  /**
   * The message with where the key was read, e.g. {@code "config file /etc/opsbus.json"}:
   * {@code bridge.queueBound in config file ...: must be ...}, or for an unknown key
   * {@code config file ...: unknown key 'bridge.queuebound' (known: ...)}.
   */
  public String messageIn(String source) {
    return unknownKey ? source + ": " + getMessage() : key + " in " + source + ": " + problem;
  }
}
