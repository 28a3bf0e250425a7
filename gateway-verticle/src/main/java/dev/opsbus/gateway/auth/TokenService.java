package dev.opsbus.gateway.auth;

import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.Principal;
import dev.opsbus.model.Role;
import dev.opsbus.model.secret.NodeSecrets;
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
 * Issues and verifies the short-lived login tokens (HS256 JWT). The key comes from the node's key
 * file (every node of a cluster shares it), so every node accepts every node's tokens. Only HS256
 * tokens signed with that key, issued by opsbus and not expired are accepted ({@code alg: none} and
 * other keys are refused). After a key rotation, tokens signed with the previous key are still
 * accepted until the last of them has expired ({@link NodeSecrets#previousJwtKeyUntil()}); new
 * tokens are signed with the current key only.
 * Once a {@link RevocationCheck} is set, a token is accepted only while its user's token version has
 * not moved on.
 */
public final class TokenService {

  public static final String ISSUER = "opsbus";

  private final JWTAuth jwt;
  private final Duration ttl;
  private final JWTAuth previous;
  private final Instant previousUntil;
  /** Verifies service keys ({@code opsk_...}) presented where a token is; null: only tokens. */
  private java.util.function.Function<String, Future<Principal>> serviceKeys;
  private volatile RevocationCheck revocations;

  public TokenService(Vertx vertx, String hmacKey, Duration ttl) {
    this(vertx, hmacKey, null, null, ttl);
  }

  private TokenService(Vertx vertx, String hmacKey, String previousKey, Instant previousUntil, Duration ttl) {
    this.ttl = ttl;
    this.jwt = hs256(vertx, hmacKey);
    this.previous = previousKey == null ? null : hs256(vertx, previousKey);
    this.previousUntil = previousUntil;
  }

  /** Signs with the current JWT key of {@code keys}, and also accepts the previous one while its tokens live. */
  public static TokenService withKeys(Vertx vertx, NodeSecrets keys, Duration ttl) {
    return new TokenService(vertx, keys.jwtKey(), keys.previousJwtKey(), keys.previousJwtKeyUntil(), ttl);
  }

  private static JWTAuth hs256(Vertx vertx, String key) {
    return JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(key))
        .setJWTOptions(new JWTOptions().setIssuer(ISSUER).setLeeway(0)));
  }

  /** The current key first; a token it refuses may still carry the previous key's signature. */
  private Future<io.vertx.ext.auth.User> authenticate(String token) {
    Future<io.vertx.ext.auth.User> current = jwt.authenticate(new TokenCredentials(token));
    if (previous == null) {
      return current;
    }
    return current.recover(err -> Instant.now().isBefore(previousUntil)
        ? previous.authenticate(new TokenCredentials(token))
            .recover(old -> Future.failedFuture(String.valueOf(old.getMessage()).contains("xpired") ? old : err))
        : Future.failedFuture(err));
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

  /** Lets every place that takes a bearer token (HTTP, bridges) take a service key too, verified by {@code verifier}. */
  public void acceptServiceKeys(String prefix, java.util.function.Function<String, Future<Principal>> verifier) {
    this.serviceKeyPrefix = prefix;
    this.serviceKeys = verifier;
  }

  private String serviceKeyPrefix;

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
    if (serviceKeys != null && token.startsWith(serviceKeyPrefix)) {
      return serviceKeys.apply(token);
    }
    return authenticate(token)
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
