package dev.opsbus.model;

/** The answer to "may this principal use this address this way", with the reason when not. */
public record Decision(boolean allowed, ErrorCode code, String reason, PermissionRule rule) {

  public static Decision allow(PermissionRule rule) {
    return new Decision(true, null, null, rule);
  }

  public static Decision deny(ErrorCode code, String reason) {
    return new Decision(false, code, reason, null);
  }
}
