package dev.opsbus.node;

/** A flag, environment variable or config file entry that cannot be used; the launcher exits with 2. */
public final class SettingsException extends RuntimeException {

  public SettingsException(String message) {
    super(message);
  }

  public SettingsException(String message, Throwable cause) {
    super(message, cause);
  }
}
