package dev.opsbus.gateway.auth;

import dev.opsbus.model.Principal;
import dev.opsbus.model.Role;
import io.vertx.core.Future;
import java.security.SecureRandom;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first start of a fleet: with no user at all, creates {@code admin} with the configured
 * password, or a generated one logged once. Any later start leaves users alone, even when
 * {@code admin} was deleted since.
 */
public final class AdminBootstrap {

  private static final Logger LOG = LoggerFactory.getLogger(AdminBootstrap.class);
  private static final String ADMIN = "admin";
  /** No look-alike characters (0/O, 1/l/I): the password is read from a log and typed by hand. */
  private static final String ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  private static final int GENERATED_LENGTH = 20;

  private final UserStore users;
  private final PasswordHasher hasher;
  private final String initialPassword;

  /** @param initialPassword the password {@code admin} gets; null or empty to generate one */
  public AdminBootstrap(UserStore users, PasswordHasher hasher, String initialPassword) {
    this.users = users;
    this.hasher = hasher;
    this.initialPassword = initialPassword;
  }

  public Future<Void> ensureAdmin() {
    return users.count().compose(n -> {
      if (n > 0) {
        return Future.succeededFuture();
      }
      boolean generated = initialPassword == null || initialPassword.isEmpty();
      String password = generated ? generatePassword() : initialPassword;
      if (!generated && PasswordPolicy.problem(password) != null) {
        // the operator chose it; past 72 bytes it could not be hashed at all, so that one stops the start
        PasswordPolicy.requireHashable("OPSBUS_ADMIN_PASSWORD", password);
        LOG.warn("first start: OPSBUS_ADMIN_PASSWORD breaks the password policy ({}): change it after logging in",
            PasswordPolicy.problem(password));
      }
      return hasher.hash(password)
          .compose(hash -> users.createIfAbsent(ADMIN, hash, Set.of(Role.ADMIN), Set.of(Principal.ALL_HOSTS)))
          .map(created -> {
            if (created && generated) {
              // shown once, by design: there is no other way to learn it
              LOG.warn("first start: created user 'admin' with the generated password {} (set OPSBUS_ADMIN_PASSWORD before the first start to choose it)", password);
            } else if (created) {
              LOG.info("first start: created user 'admin' with the password from OPSBUS_ADMIN_PASSWORD");
            }
            return null;
          });
    });
  }

  static String generatePassword() {
    SecureRandom random = new SecureRandom();
    StringBuilder sb = new StringBuilder(GENERATED_LENGTH);
    for (int i = 0; i < GENERATED_LENGTH; i++) {
      sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
    }
    return sb.toString();
  }
}
