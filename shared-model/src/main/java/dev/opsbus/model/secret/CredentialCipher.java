package dev.opsbus.model.secret;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts host credentials at rest with AES-256-GCM. Each value gets a fresh 96-bit nonce; the
 * stored form is {@code v1:<base64(nonce || ciphertext+tag)>}. The key is the cluster-wide one kept
 * outside the database (key file or environment, shared by every node, see {@link NodeSecrets}), so
 * every node can read what any node wrote. A tampered value fails to decrypt instead of yielding garbage.
 */
public final class CredentialCipher {

  /**
   * Where versions before the key files kept the base64 AES key, in the settings table; a node moves
   * a value found there to its key file at start and deletes the row.
   */
  public static final String LEGACY_SETTINGS_KEY = "credentials.aes.key";
  public static final int KEY_BYTES = 32;

  private static final String PREFIX = "v1:";
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SecretKeySpec key;
  /**
   * One AES-GCM cipher per thread, initialised again for every value: looking one up per call
   * (the providers' service search) cost more than the decryption of a host's secret, which the
   * relay does for every command it starts.
   */
  private static final ThreadLocal<Cipher> CIPHERS = ThreadLocal.withInitial(() -> {
    try {
      return Cipher.getInstance("AES/GCM/NoPadding");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available", e);
    }
  });

  public CredentialCipher(String base64Key) {
    byte[] raw = Base64.getDecoder().decode(base64Key);
    if (raw.length != KEY_BYTES) {
      throw new IllegalArgumentException("credential key must be " + KEY_BYTES + " bytes, got " + raw.length);
    }
    this.key = new SecretKeySpec(raw, "AES");
  }

  public String encrypt(String plain) {
    try {
      byte[] nonce = new byte[NONCE_BYTES];
      RANDOM.nextBytes(nonce);
      Cipher c = CIPHERS.get();
      c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      byte[] sealed = c.doFinal(plain.getBytes(StandardCharsets.UTF_8));
      return PREFIX + Base64.getEncoder().encodeToString(ByteBuffer.allocate(nonce.length + sealed.length).put(nonce).put(sealed).array());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available", e);
    }
  }

  public String decrypt(String stored) {
    if (stored == null || !stored.startsWith(PREFIX)) {
      throw new IllegalArgumentException("not an encrypted credential");
    }
    try {
      byte[] all = Base64.getDecoder().decode(stored.substring(PREFIX.length()));
      Cipher c = CIPHERS.get();
      c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, all, 0, NONCE_BYTES));
      return new String(c.doFinal(all, NONCE_BYTES, all.length - NONCE_BYTES), StandardCharsets.UTF_8);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalArgumentException("the credential could not be decrypted (wrong key or tampered)", e);
    }
  }
}
