package dev.opsbus.gateway.servicekeys;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * A service key's secret: {@code opsk_} and 32 random bytes (256 bits, base64url). Stored as its
 * SHA-256 only. A fast hash is right here, unlike for passwords: nobody can guess 2^256 secrets, so
 * slowing each guess buys nothing, while a salted slow hash (bcrypt) would cost ~100 ms of CPU on
 * every HTTP call made with a key and rule out finding the key by its hash (the lookup is one
 * indexed equality, so the secret is never compared byte by byte in Java).
 */
public final class KeySecret {

  public static final String PREFIX = "opsk_";
  private static final int BYTES = 32;
  private static final SecureRandom RANDOM = new SecureRandom();

  private KeySecret() {
  }

  public static String generate() {
    byte[] b = new byte[BYTES];
    RANDOM.nextBytes(b);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** Whether a bearer credential is a service key rather than a login token (a JWT never starts so). */
  public static boolean looksLikeKey(String credential) {
    return credential != null && credential.startsWith(PREFIX) && credential.length() < 128;
  }

  public static String sha256(String secret) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
