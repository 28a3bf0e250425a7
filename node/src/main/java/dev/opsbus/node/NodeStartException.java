package dev.opsbus.node;

/**
 * A node could not start (database unreachable, port taken, cluster join failed). The message is
 * one sentence meant for the operator; whatever had started is already stopped when this is thrown.
 */
public final class NodeStartException extends RuntimeException {

  public NodeStartException(String message, Throwable cause) {
    super(message, cause);
  }

  public NodeStartException(String message) {
    super(message);
  }
}
