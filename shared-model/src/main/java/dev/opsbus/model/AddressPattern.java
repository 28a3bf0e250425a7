package dev.opsbus.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A bus address template with named parts, such as {@code ops.updates.host.{hostId}}. A named part
 * matches exactly one dot-free segment of letters, digits, '-' and '_'; every literal is matched as
 * written (quoted, never interpreted as a regex).
 */
public final class AddressPattern {

  /** What a named part may contain: one address segment, no dots, no wildcards. */
  public static final String SEGMENT = "[A-Za-z0-9_-]{1,128}";

  private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z][A-Za-z0-9]*)}");

  private final String template;
  private final Pattern regex;
  private final List<String> names;
  /** The literal text around the parts: {@code literals[i]} comes before part i, the last one after all. */
  private final String[] literals;

  private AddressPattern(String template, Pattern regex, List<String> names, String[] literals) {
    this.template = template;
    this.regex = regex;
    this.names = names;
    this.literals = literals;
  }

  /** Parses a template; fails with {@link IllegalArgumentException} on a malformed one. */
  public static AddressPattern of(String template) {
    Objects.requireNonNull(template, "template");
    if (template.isEmpty() || template.length() > 256) {
      throw new IllegalArgumentException("address template must have 1 to 256 characters: " + template);
    }
    Matcher m = PLACEHOLDER.matcher(template);
    StringBuilder rx = new StringBuilder();
    List<String> names = new ArrayList<>();
    List<String> literals = new ArrayList<>();
    int last = 0;
    while (m.find()) {
      literals.add(template.substring(last, m.start()));
      rx.append(quoteLiteral(template.substring(last, m.start()), template));
      String name = m.group(1);
      if (names.contains(name)) {
        throw new IllegalArgumentException("address template names '" + name + "' twice: " + template);
      }
      names.add(name);
      rx.append("(?<").append(name).append('>').append(SEGMENT).append(')');
      last = m.end();
    }
    literals.add(template.substring(last));
    rx.append(quoteLiteral(template.substring(last), template));
    return new AddressPattern(template, Pattern.compile(rx.toString()), Collections.unmodifiableList(names),
        literals.toArray(String[]::new));
  }

  private static String quoteLiteral(String literal, String template) {
    if (literal.indexOf('{') >= 0 || literal.indexOf('}') >= 0) {
      throw new IllegalArgumentException("address template has a malformed {part}: " + template);
    }
    return literal.isEmpty() ? "" : Pattern.quote(literal);
  }

  public String template() {
    return template;
  }

  /** The names of the parts, in order. */
  public List<String> names() {
    return names;
  }

  public boolean isLiteral() {
    return names.isEmpty();
  }

  /** The named parts of {@code address} when it matches this pattern. */
  public Optional<Map<String, String>> match(String address) {
    if (address == null) {
      return Optional.empty();
    }
    if (names.isEmpty()) {
      return template.equals(address) ? Optional.of(Map.of()) : Optional.empty();
    }
    Matcher m = regex.matcher(address);
    if (!m.matches()) {
      return Optional.empty();
    }
    Map<String, String> parts = new LinkedHashMap<>();
    for (String name : names) {
      parts.put(name, m.group(name));
    }
    return Optional.of(parts);
  }

  public boolean matches(String address) {
    return match(address).isPresent();
  }

  /** Fills the parts in order; every value must be one valid segment. */
  public String format(String... values) {
    if (values.length != names.size()) {
      throw new IllegalArgumentException(template + " takes " + names.size() + " parts, got " + values.length);
    }
    // called for every publish of a per-host or per-command address: no regex here
    int length = template.length();
    for (String v : values) {
      length += v == null ? 0 : v.length();
    }
    StringBuilder out = new StringBuilder(length);
    for (int i = 0; i < values.length; i++) {
      String v = values[i];
      if (!isSegment(v)) {
        throw new IllegalArgumentException("not a valid address segment for {" + names.get(i) + "}: " + v);
      }
      out.append(literals[i]).append(v);
    }
    return out.append(literals[values.length]).toString();
  }

  /** Whether {@code v} matches {@link #SEGMENT}: 1 to 128 of letters, digits, '-' and '_'. */
  static boolean isSegment(String v) {
    if (v == null || v.isEmpty() || v.length() > 128) {
      return false;
    }
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return template;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AddressPattern p && p.template.equals(template);
  }

  @Override
  public int hashCode() {
    return template.hashCode();
  }
}
