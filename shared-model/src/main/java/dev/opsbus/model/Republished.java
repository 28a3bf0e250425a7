package dev.opsbus.model;

/**
 * The header that marks a change published again by a node other than the one that committed it
 * (the committer died between its commit and its publish). A bridge connection drops such a
 * change when a replay it sent already carried it.
 */
public final class Republished {

  /** Present (value {@code "true"}) on a republished operation change; bridge clients see it in the frame's headers. */
  public static final String HEADER = "republished";

  private Republished() {
  }
}
