package dev.opsbus.gateway.auth;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The {@value #CLAIM} claim of a token: the version of its user's tokens it was issued under (see
 * {@link TokenRevocations}). Read from a token {@link TokenService#verify} accepted, so its
 * payload is the one the key signed; a token without the claim (issued before revocation existed)
 * is version 0.
 */
public final class TokenVersion {

  public static final String CLAIM = "ver";

  private TokenVersion() {
  }

  /** The version a verified token carries; 0 when it carries none or cannot be read. */
  public static long of(String token) {
    if (token == null) {
      return 0;
    }
    int first = token.indexOf('.');
    int second = first < 0 ? -1 : token.indexOf('.', first + 1);
    if (second < 0) {
      return 0;
    }
    try {
      byte[] payload = Base64.getUrlDecoder().decode(token.substring(first + 1, second));
      Object v = new JsonObject(new String(payload, StandardCharsets.UTF_8)).getValue(CLAIM);
      return v instanceof Number n ? n.longValue() : 0;
    } catch (RuntimeException e) {
      return 0;
    }
  }
}
