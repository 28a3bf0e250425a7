package dev.opsbus.model.secret;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CredentialCipherTest {

  private static String newKey() {
    byte[] raw = new byte[CredentialCipher.KEY_BYTES];
    new SecureRandom().nextBytes(raw);
    return Base64.getEncoder().encodeToString(raw);
  }

  @Test
  void aSecretReadsBackAndTwoSealsOfItDiffer() {
    CredentialCipher c = new CredentialCipher(newKey());
    String a = c.encrypt("s3cret-ü");
    assertThat(c.decrypt(a)).isEqualTo("s3cret-ü");
    assertThat(c.encrypt("s3cret-ü")).as("a new nonce each time").isNotEqualTo(a);
  }

  @Test
  void aTamperedValueOrAnotherKeyIsRefusedAndTheThreadDecryptsTheNextOneAfterwards() {
    CredentialCipher c = new CredentialCipher(newKey());
    String sealed = c.encrypt("pw");
    byte[] raw = Base64.getDecoder().decode(sealed.substring(3));
    raw[raw.length - 1] ^= 1;
    String tampered = "v1:" + Base64.getEncoder().encodeToString(raw);
    assertThatThrownBy(() -> c.decrypt(tampered)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tampered");
    assertThatThrownBy(() -> new CredentialCipher(newKey()).decrypt(sealed)).isInstanceOf(IllegalArgumentException.class);
    assertThat(c.decrypt(sealed)).as("the same thread's cipher after a refusal").isEqualTo("pw");
  }

  @Test
  void threadsSealAndOpenAtOnce() throws Exception {
    CredentialCipher c = new CredentialCipher(newKey());
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> all = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int n = t;
        all.add(pool.submit(() -> {
          for (int i = 0; i < 500; i++) {
            String plain = "secret-" + n + "-" + i;
            if (!plain.equals(c.decrypt(c.encrypt(plain)))) {
              return false;
            }
          }
          return true;
        }));
      }
      for (Future<Boolean> f : all) {
        assertThat(f.get(30, TimeUnit.SECONDS)).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
