package dev.opsbus.node;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The verticles a node can deploy, by the names {@code --verticles} takes. */
public enum VerticleKind {
  GATEWAY("gateway"),
  METRICS("metrics"),
  OPERATIONS("operations"),
  SSH_RELAY("ssh-relay");

  private final String wireName;

  VerticleKind(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  /** The kind named {@code name}, or {@link IllegalArgumentException} listing the known names. */
  public static VerticleKind parse(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT);
    for (VerticleKind k : values()) {
      if (k.wireName.equals(n)) {
        return k;
      }
    }
    throw new IllegalArgumentException("unknown verticle '" + name.trim() + "' (known: " + knownNames() + ")");
  }

  public static String knownNames() {
    return Arrays.stream(values()).map(VerticleKind::wireName).collect(Collectors.joining(","));
  }

  @Override
  public String toString() {
    return wireName;
  }
}
