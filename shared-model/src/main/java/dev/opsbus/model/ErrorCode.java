package dev.opsbus.model;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * Every reason opsbus refuses something, with its wire name (snake_case), the HTTP status it maps
 * to and the numeric failure code used on the bus ({@code message.fail(code, text)}) and in bridge
 * {@code err} frames.
 */
public enum ErrorCode {
  ACCESS_DENIED(1403, 403),
  NOT_LOGGED_IN(1401, 401),
  TOKEN_EXPIRED(1419, 401),
  TOKEN_REVOKED(1420, 401),
  /** A service key past its expiry date: make a new key. */
  KEY_EXPIRED(1421, 401),
  INVALID_TOKEN(1402, 401),
  INVALID_CREDENTIALS(1400, 401),
  ORIGIN_NOT_ALLOWED(1405, 403),
  RATE_LIMITED(1429, 429),
  TOO_MANY_CONNECTIONS(1430, 429),
  TOO_MANY_SUBSCRIPTIONS(1431, 429),
  TOO_LARGE(1413, 413),
  UNSUPPORTED_MEDIA_TYPE(1415, 415),
  INVALID_JSON(1500, 400),
  INVALID_FRAME(1501, 400),
  INVALID_REQUEST(1502, 400),
  UNKNOWN_ADDRESS(1404, 404),
  NOT_FOUND(1410, 404),
  ALREADY_EXISTS(1409, 409),
  SLOW_CONSUMER(1503, 503),
  NO_HANDLER(1504, 503),
  TIMEOUT(1508, 504),
  UNAVAILABLE(1509, 503),
  /** The database is away (restarting, unreachable, paused): try again after the {@code Retry-After}. */
  STORE_UNAVAILABLE(1510, 503),
  /** This node is shutting down: reconnect (to another node) after the delay it names. */
  NODE_DRAINING(1511, 503),
  /** This node holds as many bridge connections as it may ({@code bridge.maxConnections}): connect to another node. */
  NODE_FULL(1512, 503),
  TOO_MANY_SESSIONS(1432, 429),
  HOST_UNREACHABLE(1601, 502),
  HOST_KEY_MISMATCH(1602, 502),
  HOST_KEY_UNKNOWN(1603, 409),
  SSH_AUTH_FAILED(1604, 502),
  SESSION_CLOSED(1605, 410),
  CANCELLED(1606, 409),
  /** The relay that held a terminal session was lost with it. */
  SESSION_LOST(1607, 410),
  INTERNAL_ERROR(1599, 500);

  private final int failureCode;
  private final int httpStatus;

  ErrorCode(int failureCode, int httpStatus) {
    this.failureCode = failureCode;
    this.httpStatus = httpStatus;
  }

  @JsonValue
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The number carried by {@code ReplyException.failureCode()} and by bridge err frames. */
  public int failureCode() {
    return failureCode;
  }

  public int httpStatus() {
    return httpStatus;
  }

  /** The code behind a bus failure code, or {@link #INTERNAL_ERROR} for a number opsbus never sends. */
  public static ErrorCode fromFailureCode(int code) {
    for (ErrorCode c : values()) {
      if (c.failureCode == code) {
        return c;
      }
    }
    return INTERNAL_ERROR;
  }

  public static ErrorCode fromWireName(String name) {
    for (ErrorCode c : values()) {
      if (c.wireName().equals(name)) {
        return c;
      }
    }
    throw new IllegalArgumentException("unknown error code: " + name);
  }
}
