package dev.opsbus.ssh;

/**
 * Everything needed to reach one host, secret decrypted. Lives only inside the relay: never put on
 * the bus, never logged ({@link #toString()} leaves the secret out).
 *
 * @param fingerprint the pinned host key, {@code SHA256:<base64>}; null when none is pinned yet
 */
public record SshTarget(String hostId, String address, int port, String username, AuthType authType, String secret, String fingerprint) {

  public enum AuthType { PASSWORD, KEY }

  @Override
  public String toString() {
    return "SshTarget[" + hostId + " " + username + "@" + address + ":" + port + " " + authType + " pinned=" + fingerprint + "]";
  }
}
