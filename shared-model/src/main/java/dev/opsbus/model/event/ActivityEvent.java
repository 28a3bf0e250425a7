package dev.opsbus.model.event;

import java.time.Instant;
import java.util.Map;

/**
 * One entry of {@code activity.events}: who did what, where. {@code action} is one of the
 * constants below; {@code data} holds what else matters for that action (never a secret). The
 * {@code id} lets every node that persists activity insert each entry exactly once.
 */
public record ActivityEvent(
    String type,
    String id,
    Instant ts,
    String action,
    String username,
    String nodeId,
    String address,
    String code,
    String message,
    Map<String, Object> data) {

  public static final String TYPE = "activity";

  public static final String LOGIN = "login";
  public static final String LOGIN_FAILED = "login_failed";
  public static final String LOGOUT = "logout";
  public static final String TOKEN_REFRESH = "token_refresh";
  public static final String ACCESS_DENIED = "access_denied";
  public static final String USER_CREATED = "user_created";
  public static final String USER_UPDATED = "user_updated";
  public static final String USER_DELETED = "user_deleted";
  public static final String USER_DISABLED = "user_disabled";
  public static final String USER_ENABLED = "user_enabled";
  public static final String SSH_CONNECT = "ssh_connect";
  public static final String SSH_DISCONNECT = "ssh_disconnect";

  public static ActivityEvent of(String action, String username, String nodeId, String address, String code,
      String message, Map<String, Object> data) {
    return new ActivityEvent(TYPE, java.util.UUID.randomUUID().toString(), Instant.now(), action, username, nodeId, address, code, message,
        data == null ? Map.of() : data);
  }
}
