package dev.opsbus.model;

/** A refusal with a code: thrown or failed with where a caller must learn why, never swallowed. */
public class OpsbusException extends RuntimeException {

  private final ErrorCode code;

  public OpsbusException(ErrorCode code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }
}
