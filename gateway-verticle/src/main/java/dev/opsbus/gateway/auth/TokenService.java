package dev.opsbus.gateway.auth;

import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.Principal;
import dev.opsbus.model.Role;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Issues and verifies the short-lived login tokens (HS256 JWT). The key comes from the database,
 * so every node of a cluster accepts every node's tokens. Only HS256 tokens signed with that key,
 * issued by opsbus and not expired are accepted ({@code alg: none} and other keys are refused),
 * and, once a {@link RevocationCheck} is set, only while their user's token version has not moved on.
 */
public final class TokenService {

  public static final String ISSUER = "opsbus";

  private final JWTAuth jwt;
  private final Duration ttl;
  private volatile RevocationCheck revocations;

  public TokenService(Vertx vertx, String hmacKey, Duration ttl) {
    this.ttl = ttl;
    this.jwt = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(hmacKey))
        .setJWTOptions(new JWTOptions().setIssuer(ISSUER).setLeeway(0)));
  }

  /** A token and when it expires. */
  public record Issued(String token, Instant expiresAt) {
  }

  public Issued issue(String username, Set<Role> roles, Set<String> hosts) {
    return issue(username, roles, hosts, 0);
  }

  /** A token under the user's current token version ({@link TokenVersion}): revoked once that version moves on. */
  public Issued issue(String username, Set<Role> roles, Set<String> hosts, long tokenVersion) {
    Instant now = Instant.now();
    JsonObject claims = new JsonObject()
        .put("sub", username)
        .put(TokenVersion.CLAIM, tokenVersion)
        .put("roles", new JsonArray(roles.stream().map(Role::wireName).sorted().toList()))
        .put("hosts", new JsonArray(hosts.stream().sorted().toList()));
    String token = jwt.generateToken(claims, new JWTOptions()
        .setAlgorithm("HS256")
        .setIssuer(ISSUER)
        .setExpiresInSeconds((int) ttl.toSeconds()));
    // the library counts exp from its own clock reading in whole seconds
    return new Issued(token, Instant.ofEpochSecond(now.getEpochSecond() + ttl.toSeconds()));
  }

  /** From now on {@link #verify} also refuses tokens the check says are revoked. */
  public void revocations(RevocationCheck check) {
    this.revocations = check;
  }

  public Duration ttl() {
    return ttl;
  }

  /**
   * The principal behind a token, or a failed future with {@link OpsbusException} carrying
   * {@code token_expired} or {@code invalid_token}.
   */
  public Future<Principal> verify(String token) {
    if (token == null || token.isBlank()) {
      return Future.failedFuture(new OpsbusException(ErrorCode.NOT_LOGGED_IN, "no token given: log in first"));
    }
    return jwt.authenticate(new TokenCredentials(token))
        .recover(err -> {
          String msg = String.valueOf(err.getMessage());
          if (msg.contains("xpired")) {
            return Future.failedFuture(new OpsbusException(ErrorCode.TOKEN_EXPIRED, "the token has expired: log in again or refresh it"));
          }
          return Future.failedFuture(new OpsbusException(ErrorCode.INVALID_TOKEN, "the token is not valid: " + msg));
        })
        .compose(user -> {
          JsonObject p = user.principal();
          try {
            // the library moves the registered claims (exp, iat, ...) from the principal into attributes
            Object iss = user.containsKey("iss") ? user.get("iss") : p.getValue("iss");
            Object expValue = user.containsKey("exp") ? user.get("exp") : p.getValue("exp");
            if (!ISSUER.equals(iss)) {
              throw new IllegalArgumentException("issuer is not opsbus");
            }
            if (!(expValue instanceof Number exp)) {
              throw new IllegalArgumentException("it has no expiry");
            }
            Instant expiresAt = Instant.ofEpochSecond(exp.longValue());
            if (!Instant.now().isBefore(expiresAt)) {
              return Future.failedFuture(new OpsbusException(ErrorCode.TOKEN_EXPIRED, "the token has expired: log in again or refresh it"));
            }
            Set<Role> roles = new LinkedHashSet<>();
            for (Object r : p.getJsonArray("roles", new JsonArray())) {
              roles.add(Role.parse(String.valueOf(r)));
            }
            Set<String> hosts = new LinkedHashSet<>();
            for (Object h : p.getJsonArray("hosts", new JsonArray())) {
              hosts.add(String.valueOf(h));
            }
            String sub = p.getString("sub");
            if (sub == null || roles.isEmpty()) {
              throw new IllegalArgumentException("it names no user or no role");
            }
            return Future.succeededFuture(new Principal(sub, roles, hosts, expiresAt));
          } catch (RuntimeException e) {
            return Future.failedFuture(new OpsbusException(ErrorCode.INVALID_TOKEN, "the token is not valid: " + e.getMessage()));
          }
        })
        .compose(p -> revocations == null ? Future.succeededFuture(p) : revocations.admit(p, TokenVersion.of(token)));
  }
}
