package dev.opsbus.gateway.servicekeys;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;

/**
 * An address pattern in a service key's grants: dot-separated segments where {@code *} is any one
 * segment and a final {@code **} any one or more ({@code svc.inventory.*}, {@code metrics.custom.**}).
 * Plain text otherwise: no regex is built from it.
 */
public record GrantPattern(@JsonValue String text) {

  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static GrantPattern of(String text) {
    return new GrantPattern(text);
  }

  private static final int MAX = 256;

  public GrantPattern {
    if (text == null || text.isEmpty() || text.length() > MAX) {
      throw new IllegalArgumentException("an address pattern has 1 to " + MAX + " characters");
    }
    String[] parts = text.split("\\.", -1);
    for (int i = 0; i < parts.length; i++) {
      String p = parts[i];
      if (p.isEmpty()) {
        throw new IllegalArgumentException("address pattern '" + text + "' has an empty segment");
      }
      if (p.equals("**") && i != parts.length - 1) {
        throw new IllegalArgumentException("'**' may only end an address pattern: '" + text + "'");
      }
      if (!p.equals("*") && !p.equals("**") && !p.matches("[A-Za-z0-9_-]+")) {
        throw new IllegalArgumentException("address pattern '" + text + "': a segment is letters, digits, '-', '_', '*' or a final '**'");
      }
    }
  }

  public boolean matches(String address) {
    if (address == null || address.isEmpty()) {
      return false;
    }
    String[] want = text.split("\\.");
    String[] got = address.split("\\.", -1);
    for (int i = 0; i < want.length; i++) {
      if (want[i].equals("**")) {
        return got.length > i && Arrays.stream(got, i, got.length).noneMatch(String::isEmpty);
      }
      if (i >= got.length || got[i].isEmpty() || (!want[i].equals("*") && !want[i].equals(got[i]))) {
        return false;
      }
    }
    return got.length == want.length;
  }

  @Override
  public String toString() {
    return text;
  }
}
