package dev.opsbus.gateway.auth;

import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.Role;
import io.vertx.core.Future;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** Users in PostgreSQL, reached through the reactive client (never blocking the event loop). */
public final class UserStore {

  private static final String COLUMNS = "username, password_hash, roles, hosts, created_at, updated_at, disabled, token_version";
  private static final String UNIQUE_VIOLATION = "23505";
  private static final String CHECK_VIOLATION = "23514";

  /**
   * A new user's first token version: the creation time in milliseconds, so a user deleted and
   * created again under the same name starts above every version the old one reached, and the old
   * one's tokens stay revoked.
   */
  private static final String FIRST_TOKEN_VERSION = "(extract(epoch from clock_timestamp()) * 1000)::bigint";

  private final Pool pool;

  public UserStore(Pool pool) {
    this.pool = pool;
  }

  public Future<Optional<User>> find(String username) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM users WHERE username = $1")
        .execute(Tuple.of(username))
        .map(rows -> rows.size() == 0 ? Optional.<User>empty() : Optional.of(toUser(rows.iterator().next())));
  }

  public Future<List<User>> list() {
    return pool.query("SELECT " + COLUMNS + " FROM users ORDER BY username").execute()
        .map(rows -> {
          List<User> out = new java.util.ArrayList<>();
          rows.forEach(r -> out.add(toUser(r)));
          return out;
        });
  }

  /** Inserts a user; {@code already_exists} when the name is taken. */
  public Future<User> create(String username, String passwordHash, Set<Role> roles, Set<String> hosts) {
    return pool.preparedQuery("INSERT INTO users (username, password_hash, roles, hosts, token_version) VALUES ($1, $2, $3, $4, "
            + FIRST_TOKEN_VERSION + ") RETURNING " + COLUMNS)
        .execute(Tuple.of(username, passwordHash, roleArray(roles), hosts.toArray(String[]::new)))
        .map(rows -> toUser(rows.iterator().next()))
        .recover(UserStore::explain);
  }

  /** Inserts the user only if no user of that name exists; true when this call created it. */
  public Future<Boolean> createIfAbsent(String username, String passwordHash, Set<Role> roles, Set<String> hosts) {
    return pool.preparedQuery("INSERT INTO users (username, password_hash, roles, hosts, token_version) VALUES ($1, $2, $3, $4, "
            + FIRST_TOKEN_VERSION + ") ON CONFLICT (username) DO NOTHING")
        .execute(Tuple.of(username, passwordHash, roleArray(roles), hosts.toArray(String[]::new)))
        .map(rows -> rows.rowCount() == 1);
  }

  /**
   * Updates what is given (null leaves a field as it is) and revokes the user's tokens (their
   * version goes up in the same statement); {@code not_found} when there is no such user.
   */
  public Future<User> update(String username, String passwordHash, Set<Role> roles, Set<String> hosts) {
    return pool.preparedQuery("UPDATE users SET password_hash = COALESCE($2, password_hash), roles = COALESCE($3, roles), "
            + "hosts = COALESCE($4, hosts), token_version = token_version + 1, updated_at = now() WHERE username = $1 RETURNING " + COLUMNS)
        .execute(Tuple.of(username, passwordHash, roles == null ? null : roleArray(roles), hosts == null ? null : hosts.toArray(String[]::new)))
        .recover(UserStore::explain)
        .compose(rows -> rows.size() == 0
            ? Future.failedFuture(new OpsbusException(ErrorCode.NOT_FOUND, "no user named '" + username + "'"))
            : Future.succeededFuture(toUser(rows.iterator().next())));
  }

  /** Disables or enables a user; {@code not_found} when there is no such user. */
  public Future<User> setDisabled(String username, boolean disabled) {
    return pool.preparedQuery("UPDATE users SET disabled = $2, token_version = token_version + 1, updated_at = now() WHERE username = $1 RETURNING " + COLUMNS)
        .execute(Tuple.of(username, disabled))
        .compose(rows -> rows.size() == 0
            ? Future.failedFuture(new OpsbusException(ErrorCode.NOT_FOUND, "no user named '" + username + "'"))
            : Future.succeededFuture(toUser(rows.iterator().next())));
  }

  public Future<Void> delete(String username) {
    return pool.preparedQuery("DELETE FROM users WHERE username = $1").execute(Tuple.of(username))
        .compose(rows -> rows.rowCount() == 0
            ? Future.failedFuture(new OpsbusException(ErrorCode.NOT_FOUND, "no user named '" + username + "'"))
            : Future.succeededFuture());
  }

  /** Revokes every token of the user issued so far: the new version, or {@code not_found}. */
  public Future<Long> bumpTokenVersion(String username) {
    return pool.preparedQuery("UPDATE users SET token_version = token_version + 1 WHERE username = $1 RETURNING token_version")
        .execute(Tuple.of(username))
        .compose(rows -> rows.size() == 0
            ? Future.failedFuture(new OpsbusException(ErrorCode.NOT_FOUND, "no user named '" + username + "'"))
            : Future.succeededFuture(rows.iterator().next().getLong(0)));
  }

  /** The token version of each named user that exists; a name missing from the answer has no user. */
  public Future<Map<String, Long>> tokenVersions(Collection<String> usernames) {
    return pool.preparedQuery("SELECT username, token_version FROM users WHERE username = ANY($1)")
        .execute(Tuple.of(usernames.toArray(String[]::new)))
        .map(rows -> {
          Map<String, Long> out = new HashMap<>();
          rows.forEach(r -> out.put(r.getString(0), r.getLong(1)));
          return out;
        });
  }

  /** Every user there is; none only before the very first start has created {@code admin}. */
  public Future<Long> count() {
    return pool.query("SELECT count(*) FROM users").execute()
        .map(rows -> rows.iterator().next().getLong(0));
  }

  public Future<Long> countAdmins() {
    return pool.query("SELECT count(*) FROM users WHERE 'admin' = ANY(roles)").execute()
        .map(rows -> rows.iterator().next().getLong(0));
  }

  private static <T> Future<T> explain(Throwable err) {
    if (err instanceof PgException pg && UNIQUE_VIOLATION.equals(pg.getSqlState())) {
      return Future.failedFuture(new OpsbusException(ErrorCode.ALREADY_EXISTS, "a user of that name exists already"));
    }
    if (err instanceof PgException pg && CHECK_VIOLATION.equals(pg.getSqlState())) {
      return Future.failedFuture(new OpsbusException(ErrorCode.INVALID_REQUEST, "username must be 1-63 characters of a-z, 0-9, '.', '_', '-', starting with a letter or digit"));
    }
    return Future.failedFuture(err);
  }

  private static String[] roleArray(Set<Role> roles) {
    return roles.stream().map(Role::wireName).sorted().toArray(String[]::new);
  }

  private static User toUser(Row r) {
    Set<Role> roles = Arrays.stream(r.getArrayOfStrings("roles")).map(Role::parse).collect(Collectors.toCollection(LinkedHashSet::new));
    Set<String> hosts = new LinkedHashSet<>(Arrays.asList(r.getArrayOfStrings("hosts")));
    OffsetDateTime created = r.getOffsetDateTime("created_at");
    OffsetDateTime updated = r.getOffsetDateTime("updated_at");
    return new User(r.getString("username"), r.getString("password_hash"), roles, hosts,
        created == null ? null : created.toInstant(), updated == null ? null : updated.toInstant(), Boolean.TRUE.equals(r.getBoolean("disabled")),
        r.getLong("token_version"));
  }
}
