package dev.opsbus.model.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * One JSON section of the config file, read by the config record that owns it. Reading it refuses
 * keys the owner does not know (a typo must not be silently ignored); each getter returns the
 * owner's current value when the key is absent, and throws a {@link ConfigException} naming the key
 * when its value cannot be used.
 */
public final class ConfigSection {

  private final String name;
  private final JsonNode node;

  private ConfigSection(String name, JsonNode node) {
    this.name = name;
    this.node = node;
  }

  /**
   * The section {@code name}, with only {@code knownKeys} allowed in it. A missing or null section
   * reads as empty, so that every getter returns its default.
   */
  public static ConfigSection of(String name, JsonNode section, Set<String> knownKeys) {
    if (section == null || section.isNull() || section.isMissingNode()) {
      return new ConfigSection(name, null);
    }
    if (!section.isObject()) {
      throw ConfigException.badValue(name, "must be a JSON object, got " + section);
    }
    for (Iterator<String> it = section.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!knownKeys.contains(key)) {
        throw ConfigException.unknownKey(name + "." + key, knownKeys);
      }
    }
    return new ConfigSection(name, section);
  }

  public String name() {
    return name;
  }

  /** The path of a key of this section, as errors name it: {@code section.key}. */
  public String path(String key) {
    return name + "." + key;
  }

  /** A {@link ConfigException} for a bad value of {@code key}, for checks the getters cannot make. */
  public ConfigException bad(String key, String problem) {
    return ConfigException.badValue(path(key), problem);
  }

  /** Whether the key is given (and not null). */
  public boolean has(String key) {
    return raw(key) != null;
  }

  /** The key's JSON as written, or null when absent: for values whose shape the owner reads itself. */
  public JsonNode raw(String key) {
    if (node == null) {
      return null;
    }
    JsonNode v = node.get(key);
    return v == null || v.isNull() ? null : v;
  }

  /** A whole number above zero. */
  public long positiveLong(String key, long dflt) {
    JsonNode n = raw(key);
    if (n == null) {
      return dflt;
    }
    if (!n.isIntegralNumber() || !n.canConvertToLong() || n.asLong() <= 0) {
      throw bad(key, "must be a positive whole number, got " + n);
    }
    return n.asLong();
  }

  /** A whole number above zero that fits an int. */
  public int positiveInt(String key, int dflt) {
    long v = positiveLong(key, dflt);
    if (v > Integer.MAX_VALUE) {
      throw bad(key, v + " is too large");
    }
    return (int) v;
  }

  /** A positive duration written as a whole number of {@code unit}s ({@code Duration::ofMillis}, ...). */
  public Duration duration(String key, Function<Long, Duration> unit, Duration dflt) {
    JsonNode n = raw(key);
    return n == null ? dflt : unit.apply(positiveLong(key, 1));
  }

  public boolean bool(String key, boolean dflt) {
    JsonNode n = raw(key);
    if (n == null) {
      return dflt;
    }
    if (!n.isBoolean()) {
      throw bad(key, "must be true or false, got " + n);
    }
    return n.asBoolean();
  }

  /** A non-blank string. */
  public String string(String key, String dflt) {
    JsonNode n = raw(key);
    if (n == null) {
      return dflt;
    }
    if (!n.isTextual() || n.asText().isBlank()) {
      throw bad(key, "must be a non-empty string, got " + n);
    }
    return n.asText();
  }

  /** A list of non-blank strings. */
  public List<String> strings(String key, List<String> dflt) {
    JsonNode n = raw(key);
    if (n == null) {
      return dflt;
    }
    if (!n.isArray()) {
      throw bad(key, "must be a list of strings");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode e : n) {
      if (!e.isTextual() || e.asText().isBlank()) {
        throw bad(key, "must be a list of strings");
      }
      out.add(e.asText());
    }
    return out;
  }

  /**
   * The entries of a list of objects, each read as a section of its own named {@code key[i]}, so
   * that errors inside an entry name it ({@code operations.commands[0].timeoutSeconds}).
   */
  public List<ConfigSection> objects(String key, Set<String> knownKeys) {
    JsonNode n = raw(key);
    if (n == null) {
      return List.of();
    }
    if (!n.isArray()) {
      throw bad(key, "must be a list of JSON objects");
    }
    List<ConfigSection> out = new ArrayList<>();
    for (int i = 0; i < n.size(); i++) {
      String entry = path(key) + "[" + i + "]";
      if (!n.get(i).isObject()) {
        throw ConfigException.badValue(entry, "must be a JSON object, got " + n.get(i));
      }
      out.add(of(entry, n.get(i), knownKeys));
    }
    return out;
  }
}
