package dev.opsbus.model.secret;

import java.time.Instant;

/**
 * The keys a node's verticles get from the launcher, through their config records: the credentials
 * key (AES-256, base64) that seals host secrets, and the JWT signing keys. They live outside the
 * database (key files in {@code <data-dir>/keys}, or the environment); no verticle reads them from
 * the {@code settings} table. {@link #toString()} never shows them.
 *
 * @param credentialsKey base64 AES-256 key for {@link CredentialCipher}
 * @param jwtKey the current JWT signing key: tokens are signed with it and verified against it;
 *     null where the verticle needs no tokens (the SSH relay)
 * @param previousJwtKey the key before the last rotation, still accepted for verification until
 *     {@code previousJwtKeyUntil}; null when there is none (or old tokens were dropped)
 * @param previousJwtKeyUntil when tokens of the previous key have all expired; null without one
 */
public record NodeSecrets(String credentialsKey, String jwtKey, String previousJwtKey, Instant previousJwtKeyUntil) {

  public NodeSecrets {
    if (credentialsKey == null || credentialsKey.isEmpty()) {
      throw new IllegalArgumentException("a credentials key is required");
    }
    if (previousJwtKey != null && previousJwtKeyUntil == null) {
      throw new IllegalArgumentException("a previous JWT key needs the time its tokens have expired");
    }
  }

  /** The cipher of host secrets under {@link #credentialsKey}. */
  public CredentialCipher cipher() {
    return new CredentialCipher(credentialsKey);
  }

  /** Only the credentials key: what the SSH relay needs, and no more. */
  public NodeSecrets credentialsOnly() {
    return new NodeSecrets(credentialsKey, null, null, null);
  }

  @Override
  public String toString() {
    return "NodeSecrets[credentialsKey=***, jwtKey=" + (jwtKey == null ? "none" : "***")
        + ", previousJwtKey=" + (previousJwtKey == null ? "none" : "*** until " + previousJwtKeyUntil) + "]";
  }
}
