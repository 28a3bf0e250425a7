package dev.opsbus.model.db;

/**
 * Keys of the {@code settings} table that more than one module knows. No secret is kept there any
 * more: the keys live in key files or the environment (see docs/SECURITY.md). What remains are check
 * values, by which a node started with the wrong key refuses to start.
 */
public final class Settings {

  /**
   * Where versions before the key files kept the JWT signing key. A node moves a value found here to
   * its key file at start and deletes the row.
   */
  public static final String LEGACY_JWT_KEY = "jwt.hs256.key";

  /** HMAC-SHA256 of a constant under the credentials key (base64): tells a wrong key from the right one. */
  public static final String CREDENTIALS_KEY_CHECK = "credentials.key.check";

  /** HMAC-SHA256 of a constant under the current JWT key (base64). */
  public static final String JWT_KEY_CHECK = "jwt.key.check";

  private Settings() {
  }
}
