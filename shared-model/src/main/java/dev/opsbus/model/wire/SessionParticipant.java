package dev.opsbus.model.wire;

/**
 * A user taking part in a terminal session.
 *
 * @param role {@code driver}, {@code writer} or {@code viewer}
 * @param attached how many of the user's sockets are attached now
 */
public record SessionParticipant(String username, String role, int attached) {

  public static final String DRIVER = "driver";
  public static final String WRITER = "writer";
  public static final String VIEWER = "viewer";

  /** Keystrokes from this participant reach the shell. */
  public boolean mayWrite() {
    return DRIVER.equals(role) || WRITER.equals(role);
  }
}
