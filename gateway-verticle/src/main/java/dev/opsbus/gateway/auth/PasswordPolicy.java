package dev.opsbus.gateway.auth;

import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * What a new password must be: at least {@value #MIN_LENGTH} characters, at most {@value #MAX_BYTES}
 * bytes in UTF-8 (bcrypt ignores the rest), not a short pattern repeated, and not on the bundled
 * list of common passwords ({@code common-passwords.txt}, compared without case). Each refusal
 * names the rule. The list is read once, when the class is first used.
 */
public final class PasswordPolicy {

  public static final int MIN_LENGTH = 12;
  /** bcrypt hashes only the first 72 bytes; at.favre's bcrypt refuses longer input outright. */
  public static final int MAX_BYTES = 72;

  private static final class Common {
    static final Set<String> PASSWORDS = load();
  }

  private PasswordPolicy() {
  }

  /** Refuses a password that could not be hashed (over {@value #MAX_BYTES} bytes): also for login. */
  public static void requireHashable(String field, String password) {
    int bytes = password.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_BYTES) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "field '" + field + "' may be at most " + MAX_BYTES
          + " bytes long in UTF-8 (the bcrypt limit); this one is " + bytes);
    }
  }

  /** The rule a new password breaks, as a sentence; null when it is acceptable. */
  public static String problem(String password) {
    int length = password.codePointCount(0, password.length());
    if (length < MIN_LENGTH) {
      return "a password needs at least " + MIN_LENGTH + " characters";
    }
    if (password.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      return "a password may be at most " + MAX_BYTES + " bytes long in UTF-8 (the bcrypt limit)";
    }
    if (repeatsShortPattern(password)) {
      return "a password may not be one short pattern repeated";
    }
    if (Common.PASSWORDS.contains(password.toLowerCase(Locale.ROOT))) {
      return "this password is on the list of common passwords";
    }
    return null;
  }

  /** Refuses a new password with {@code invalid_request} naming the field and the rule. */
  public static void require(String field, String password) {
    String p = problem(password);
    if (p != null) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "field '" + field + "': " + p);
    }
  }

  /** "aaaaaaaaaaaa", "abcabcabcabc", "12121212...": a unit of up to 4 characters over and over. */
  static boolean repeatsShortPattern(String p) {
    for (int unit = 1; unit <= 4 && unit < p.length(); unit++) {
      boolean repeats = true;
      for (int i = unit; i < p.length() && repeats; i++) {
        repeats = p.charAt(i) == p.charAt(i - unit);
      }
      if (repeats) {
        return true;
      }
    }
    return false;
  }

  /** How many entries the common-password list holds (for tests and the log). */
  public static int commonListSize() {
    return Common.PASSWORDS.size();
  }

  private static Set<String> load() {
    Set<String> out = new HashSet<>();
    try (InputStream in = PasswordPolicy.class.getResourceAsStream("common-passwords.txt")) {
      if (in == null) {
        throw new IllegalStateException("common-passwords.txt is missing from the gateway jar");
      }
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        String t = line.strip();
        if (!t.isEmpty() && !t.startsWith("#")) {
          out.add(t.toLowerCase(Locale.ROOT));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Set.copyOf(out);
  }
}
