package dev.opsbus.model;

import java.util.Set;

/**
 * Who may type into a terminal, whichever path the keystrokes take (the terminal WebSocket, the
 * bridge's {@code ssh.session.{sid}.in}, the relay itself): a user with a role that may write
 * ({@code admin} or {@code operator}) who is granted the session's host. A session role (driver,
 * writer) is needed on top of this; an invitation can never lift a user past it. A plain class.
 */
public final class WriterRule {

  /** The roles that may type into a shell. */
  public static final Set<Role> WRITING_ROLES = Set.of(Role.ADMIN, Role.OPERATOR);

  private WriterRule() {
  }

  /** Whether {@code user} may write to a terminal on {@code hostId}; false for no user. */
  public static boolean mayWrite(Principal user, String hostId) {
    return user != null && user.hasAnyRole(WRITING_ROLES) && hostId != null && user.mayAccessHost(hostId);
  }

  /** Why {@code user} may not write on {@code hostId}, or null when they may. */
  public static String refusal(Principal user, String hostId) {
    if (user == null) {
      return "keystrokes need a user";
    }
    if (!user.hasAnyRole(WRITING_ROLES)) {
      return "user '" + user.username() + "' has no role that may type into a terminal (admin or operator)";
    }
    if (hostId == null || !user.mayAccessHost(hostId)) {
      return "user '" + user.username() + "' is not granted host '" + hostId + "' and may not type into its terminals";
    }
    return null;
  }
}
