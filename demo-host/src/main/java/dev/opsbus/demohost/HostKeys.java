package dev.opsbus.demohost;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.Base64;
import java.util.Iterator;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.common.util.security.SecurityUtils;

/**
 * The server's host key: an ECDSA P-256 key kept in an unencrypted OpenSSH private key file (so
 * {@code ssh-keygen -lf} reads it too), created on first use and reused after, which keeps the
 * fingerprint stable across restarts.
 */
final class HostKeys {

  static final String KEY_TYPE = "ecdsa-sha2-nistp256";

  private HostKeys() {
  }

  /** Reads the key pair in {@code file}, or generates one and writes it there (mode 600) first. */
  static KeyPair loadOrCreate(Path file) throws IOException, GeneralSecurityException {
    Path abs = file.toAbsolutePath().normalize();
    if (Files.exists(abs)) {
      return read(abs);
    }
    Files.createDirectories(abs.getParent());
    KeyPair kp = KeyUtils.generateKeyPair(KEY_TYPE, 256);
    // owner-only from its creation: the private key is never readable by others, not even briefly
    Path tmp = Files.getFileStore(abs.getParent()).supportsFileAttributeView("posix")
        ? Files.createTempFile(abs.getParent(), ".host-key", ".tmp",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
        : Files.createTempFile(abs.getParent(), ".host-key", ".tmp");
    try {
      try (OutputStream out = Files.newOutputStream(tmp)) {
        OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(kp, "opsbus-demo-host", null, out);
      }
      try {
        // no REPLACE_EXISTING: when two starts race, the first key written wins and both use it
        Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, abs);
      }
    } catch (FileAlreadyExistsException e) {
      return read(abs);
    } finally {
      Files.deleteIfExists(tmp);
    }
    return kp;
  }

  private static KeyPair read(Path file) throws IOException, GeneralSecurityException {
    try (InputStream in = Files.newInputStream(file)) {
      Iterable<KeyPair> pairs = SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(file.toString()), in, null);
      Iterator<KeyPair> it = pairs == null ? null : pairs.iterator();
      if (it == null || !it.hasNext()) {
        throw new IOException("no key pair in the host key file " + file);
      }
      return it.next();
    }
  }

  /** {@code SHA256:<base64 without padding>} of the SSH wire encoding of the key, as OpenSSH prints it. */
  static String fingerprint(PublicKey key) {
    ByteArrayBuffer blob = new ByteArrayBuffer();
    blob.putRawPublicKey(key);
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(blob.getCompactData());
      return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }
}
