package dev.opsbus.model;

/**
 * Answers the resource checks a permission rule may carry beyond roles, such as "the user is a
 * writer of session {sid}". Host grants are answered by {@link Principal} itself; the gateway adds
 * the checks that need live state.
 */
@FunctionalInterface
public interface ResourceGuard {

  /** Denies every check it does not know: deny by default. */
  ResourceGuard NONE = (principal, check, value) -> false;

  /**
   * @param check the check's name as written in the rule ({@code session}, {@code sessionWriter})
   * @param value the address part the check names
   */
  boolean allows(Principal principal, String check, String value);
}
