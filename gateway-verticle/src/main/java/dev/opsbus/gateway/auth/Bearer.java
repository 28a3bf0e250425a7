package dev.opsbus.gateway.auth;

/**
 * Reads the {@code Bearer <token>} form, which arrives both as an HTTP {@code Authorization} header
 * and as {@code headers.authorization} in a bridge frame.
 */
public final class Bearer {

  private static final String PREFIX = "Bearer ";

  private Bearer() {
  }

  /** The token in {@code "Bearer <token>"} (any case, spaces around ignored), or null. */
  public static String token(String authorization) {
    if (authorization == null) {
      return null;
    }
    String a = authorization.trim();
    if (a.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
      String t = a.substring(PREFIX.length()).trim();
      return t.isEmpty() ? null : t;
    }
    return null;
  }
}
