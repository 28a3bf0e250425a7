package dev.opsbus.gateway.servicekeys;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.Role;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class VerifiedKeysTest {

  static final long TTL = TimeUnit.SECONDS.toNanos(3);
  final AtomicLong now = new AtomicLong(1_000);

  static ServiceKey key(String name) {
    return new ServiceKey(name, Set.of(Role.SERVICE), Set.of(), KeyGrants.NONE, "admin", Instant.now(), null, null, null);
  }

  @Test
  void aVerifiedKeyIsRememberedForOneRecheckIntervalThenAskedAgain() {
    VerifiedKeys keys = new VerifiedKeys(TTL, 10, now::get);
    keys.put("h1", key("feeder"));
    now.addAndGet(TTL - 1);
    assertThat(keys.fresh("h1")).extracting(ServiceKey::name).isEqualTo("feeder");
    now.addAndGet(1);
    assertThat(keys.fresh("h1")).as("aged out: the database is asked again").isNull();
    assertThat(keys.size()).isZero();
  }

  @Test
  void aRevokedKeyIsForgottenAtOnceWhateverItsSecret() {
    VerifiedKeys keys = new VerifiedKeys(TTL, 10, now::get);
    keys.put("h1", key("feeder"));
    keys.put("h2", key("other"));
    keys.forget("feeder");
    assertThat(keys.fresh("h1")).isNull();
    assertThat(keys.fresh("h2")).isNotNull();
  }

  @Test
  void aReadThatARevocationOvertookIsNotRemembered() {
    VerifiedKeys keys = new VerifiedKeys(TTL, 10, now::get);
    long before = keys.generation();
    keys.forget("feeder"); // the revocation arrives while the database read is under way
    keys.put("h1", key("feeder"), before);
    assertThat(keys.fresh("h1")).isNull();
    keys.put("h1", key("feeder"), keys.generation());
    assertThat(keys.fresh("h1")).isNotNull();
  }

  @Test
  void unknownSecretsAreNeverRemembered() {
    VerifiedKeys keys = new VerifiedKeys(TTL, 10, now::get);
    assertThat(keys.fresh("never-put")).isNull();
    assertThat(keys.size()).isZero();
  }

  @Test
  void theCacheStaysWithinItsBoundAgedEntriesGoingFirst() {
    VerifiedKeys keys = new VerifiedKeys(TTL, 3, now::get);
    keys.put("old", key("old"));
    now.addAndGet(TTL);
    keys.put("a", key("a"));
    keys.put("b", key("b"));
    keys.put("c", key("c"));
    assertThat(keys.size()).isEqualTo(3);
    assertThat(keys.fresh("a")).isNotNull();
    for (int i = 0; i < 100; i++) {
      keys.put("k" + i, key("k" + i));
    }
    assertThat(keys.size()).isLessThanOrEqualTo(3);
  }
}
