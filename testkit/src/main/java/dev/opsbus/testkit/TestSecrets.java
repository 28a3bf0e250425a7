package dev.opsbus.testkit;

import dev.opsbus.model.secret.CredentialCipher;
import dev.opsbus.model.secret.NodeSecrets;

/**
 * Fixed keys for verticles started by tests (the launcher reads real ones from key files): every
 * gateway and relay of a test JVM shares them, as the nodes of a cluster share their key files.
 */
public final class TestSecrets {

  public static final String CREDENTIALS_KEY = "M0l1x6nL9J2dV1f8Yb0o5m3cC2rT7kqW9sYx4hHq2Zs=";
  public static final String JWT_KEY = "test-jwt-key-0123456789abcdef0123456789abcdef0123456789abcdef0123";
  public static final NodeSecrets SECRETS = new NodeSecrets(CREDENTIALS_KEY, JWT_KEY, null, null);

  private TestSecrets() {
  }

  public static CredentialCipher cipher() {
    return SECRETS.cipher();
  }
}
