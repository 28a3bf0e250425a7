package dev.opsbus.node;

import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * The content of {@code jwt.key}: the current signing key, and after a rotation the previous one with
 * the time of the rotation (its tokens are accepted until they have expired). Text form, one value a
 * line, {@code #} comments: {@code current=<base64>}, {@code previous=<base64>},
 * {@code rotatedAt=<ISO-8601 instant>}. A file holding one bare key (a secret store's file) is read
 * as the current key.
 */
record JwtKeyFile(String current, String previous, Instant rotatedAt) {

  /** Random bytes in a new key; the key is their base64 text (as versions before the key files used it). */
  static final int KEY_BYTES = 64;

  JwtKeyFile {
    if (current == null || current.isBlank()) {
      throw new IllegalArgumentException("it holds no current key");
    }
    if (previous != null && rotatedAt == null) {
      throw new IllegalArgumentException("a previous key needs rotatedAt");
    }
  }

  static JwtKeyFile generate() {
    return new JwtKeyFile(KeyFiles.randomBase64(KEY_BYTES), null, null);
  }

  /** A new current key; the old current one becomes the previous one unless {@code dropOld}. */
  JwtKeyFile rotate(Instant now, boolean dropOld) {
    return new JwtKeyFile(KeyFiles.randomBase64(KEY_BYTES), dropOld ? null : current, dropOld ? null : now);
  }

  static JwtKeyFile parse(String text) {
    String current = null;
    String previous = null;
    Instant rotatedAt = null;
    String bare = null;
    for (String line : text.split("\\R")) {
      String t = line.trim();
      if (t.isEmpty() || t.startsWith("#")) {
        continue;
      }
      if (t.startsWith("current=")) {
        current = t.substring("current=".length()).trim();
      } else if (t.startsWith("previous=")) {
        previous = t.substring("previous=".length()).trim();
      } else if (t.startsWith("rotatedAt=")) {
        try {
          rotatedAt = Instant.parse(t.substring("rotatedAt=".length()).trim());
        } catch (DateTimeParseException e) {
          throw new IllegalArgumentException("rotatedAt is not an ISO-8601 instant");
        }
      } else if (bare == null) {
        bare = t;
      } else {
        throw new IllegalArgumentException("it has a line that is neither current=, previous= nor rotatedAt=");
      }
    }
    if (current == null) {
      current = bare;
    }
    if (previous != null && previous.isEmpty()) {
      previous = null;
    }
    return new JwtKeyFile(current, previous, previous == null ? null : rotatedAt);
  }

  String format() {
    StringBuilder sb = new StringBuilder("# opsbus JWT signing keys. Every node of a cluster needs this same file.\n")
        .append("current=").append(current).append('\n');
    if (previous != null) {
      sb.append("# tokens signed with the previous key are accepted until they expire\n")
          .append("previous=").append(previous).append('\n')
          .append("rotatedAt=").append(rotatedAt).append('\n');
    }
    return sb.toString();
  }

  /** Leaves the keys out. */
  @Override
  public String toString() {
    return "JwtKeyFile[current=***, previous=" + (previous == null ? "none" : "***") + ", rotatedAt=" + rotatedAt + "]";
  }
}
