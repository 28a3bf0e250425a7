package dev.opsbus.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Owner-only files and directories, and the small pieces of key handling the launcher shares: the
 * data directory, {@code <data-dir>/keys} and every key file are readable by the OS user running
 * opsbus alone (0700 directories, 0600 files). Writes are atomic (a temporary file beside the
 * target, then a rename), so a crash leaves either the old or the new key, never half of one.
 * Blocking: launcher thread only.
 */
final class KeyFiles {

  static final String KEYS_DIR = "keys";
  static final Set<PosixFilePermission> DIR_PERMS = PosixFilePermissions.fromString("rwx------");
  static final Set<PosixFilePermission> FILE_PERMS = PosixFilePermissions.fromString("rw-------");

  private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  private static final SecureRandom RANDOM = new SecureRandom();
  /** The constant whose HMAC under a key is its check value (kept in settings, tells keys apart). */
  private static final String CHECK_CONSTANT = "opsbus key check v1";

  private KeyFiles() {
  }

  /** {@code <dataDir>/keys}, created (with the data dir) owner-only, and made owner-only if it was not. */
  static Path keysDir(Path dataDir) throws IOException {
    Path data = privateDir(dataDir);
    return privateDir(data.resolve(KEYS_DIR));
  }

  /** Creates {@code dir} (and missing parents) owner-only, or tightens an existing one to 0700. */
  static Path privateDir(Path dir) throws IOException {
    Path d = dir.toAbsolutePath().normalize();
    if (!Files.isDirectory(d)) {
      Files.createDirectories(d, dirAttrs());
    }
    if (POSIX && !Files.getPosixFilePermissions(d).equals(DIR_PERMS)) {
      Files.setPosixFilePermissions(d, DIR_PERMS);
    }
    return d;
  }

  /** Writes {@code text} to {@code file} with mode 0600: a 0600 temporary file beside it, then a rename. */
  static void writePrivate(Path file, String text) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    if (POSIX) {
      Files.createFile(tmp, PosixFilePermissions.asFileAttribute(FILE_PERMS));
    } else {
      Files.createFile(tmp);
    }
    Files.writeString(tmp, text, StandardCharsets.UTF_8, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.SYNC);
    try {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Makes an existing key file 0600 (a copy may have arrived with looser permissions). */
  static void tighten(Path file) throws IOException {
    if (POSIX && Files.isRegularFile(file) && !Files.getPosixFilePermissions(file).equals(FILE_PERMS)) {
      Files.setPosixFilePermissions(file, FILE_PERMS);
    }
  }

  /** The first line of a key file that is neither blank nor a {@code #} comment, trimmed; null if none. */
  static String firstValue(String text) {
    for (String line : text.split("\\R")) {
      String t = line.trim();
      if (!t.isEmpty() && !t.startsWith("#")) {
        return t;
      }
    }
    return null;
  }

  static String randomBase64(int bytes) {
    byte[] raw = new byte[bytes];
    RANDOM.nextBytes(raw);
    return Base64.getEncoder().encodeToString(raw);
  }

  /** Characters safe everywhere (a SQL literal, a URL, a shell): base64url without padding. */
  static String randomPassword(int bytes) {
    byte[] raw = new byte[bytes];
    RANDOM.nextBytes(raw);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
  }

  /** HMAC-SHA256 of a constant under {@code key} (the key's text, as the JWT library uses it), base64. */
  static String checkValue(String key) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return Base64.getEncoder().encodeToString(mac.doFinal(CHECK_CONSTANT.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  private static FileAttribute<?>[] dirAttrs() {
    return POSIX ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(DIR_PERMS)} : new FileAttribute<?>[0];
  }
}
