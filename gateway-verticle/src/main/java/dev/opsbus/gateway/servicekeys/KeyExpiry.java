package dev.opsbus.gateway.servicekeys;

import dev.opsbus.gateway.http.Bodies;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * When a new service key expires, from its creation request: {@code expiresAt} (an ISO-8601 instant
 * in the future, at most {@link #MAX_DAYS} days ahead) or {@code expiresInDays} (1 to
 * {@link #MAX_DAYS}), not both; neither: the key does not expire. Bad input is {@code invalid_request}.
 */
public final class KeyExpiry {

  /** Ten years: a longer life is "never", which is what leaving both out says. */
  public static final int MAX_DAYS = 3650;

  private KeyExpiry() {
  }

  /** The expiry the body asks for, or null for none. */
  public static Instant of(JsonObject body, Instant now) {
    Object at = body.getValue("expiresAt");
    Integer days = Bodies.optionalInt(body, "expiresInDays", 1, MAX_DAYS);
    if (at != null && days != null) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "give 'expiresAt' or 'expiresInDays', not both");
    }
    if (days != null) {
      return now.plus(Duration.ofDays(days));
    }
    if (at == null) {
      return null;
    }
    Instant t;
    try {
      t = at instanceof String s ? Instant.parse(s) : null;
    } catch (DateTimeParseException e) {
      t = null;
    }
    if (t == null) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "field 'expiresAt' must be an ISO-8601 instant such as 2027-01-31T00:00:00Z");
    }
    if (!t.isAfter(now)) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "field 'expiresAt' is not in the future");
    }
    if (t.isAfter(now.plus(Duration.ofDays(MAX_DAYS)))) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "field 'expiresAt' is more than " + MAX_DAYS + " days ahead (leave it out for a key that does not expire)");
    }
    return t;
  }
}
