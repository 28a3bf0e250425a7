package dev.opsbus.gateway.servicekeys;

import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.Json;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.Role;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** Service keys in PostgreSQL (table {@code service_keys}, owned by the gateway), through the reactive client. */
public final class ServiceKeyStore {

  private static final String COLUMNS = "name, roles, hosts, grants, created_by, created_at, last_used_at, revoked_at, expires_at";
  private static final String UNIQUE_VIOLATION = "23505";
  private static final String CHECK_VIOLATION = "23514";

  private final Pool pool;

  public ServiceKeyStore(Pool pool) {
    this.pool = pool;
  }

  /**
   * Stores a new key with the hash of its secret, expiring at {@code expiresAt} (null: never);
   * {@code already_exists} when the name is taken (revoked keys too).
   */
  public Future<ServiceKey> create(String name, String secretSha256, Set<Role> roles, Set<String> hosts, KeyGrants grants, String createdBy,
      Instant expiresAt) {
    return pool.preparedQuery("INSERT INTO service_keys (name, secret_sha256, roles, hosts, grants, created_by, expires_at) "
            + "VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7) RETURNING " + COLUMNS)
        .execute(Tuple.of(name, secretSha256, roles.stream().map(Role::wireName).sorted().toArray(String[]::new),
            hosts.toArray(String[]::new), Json.toJsonObject(grants), createdBy,
            expiresAt == null ? null : OffsetDateTime.ofInstant(expiresAt, ZoneOffset.UTC)))
        .map(rows -> toKey(rows.iterator().next()))
        .recover(ServiceKeyStore::explain);
  }

  /** The key, not revoked, whose secret has this hash; it may have expired (the caller tells). */
  public Future<Optional<ServiceKey>> findLive(String secretSha256) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM service_keys WHERE secret_sha256 = $1 AND revoked_at IS NULL")
        .execute(Tuple.of(secretSha256))
        .map(rows -> rows.size() == 0 ? Optional.<ServiceKey>empty() : Optional.of(toKey(rows.iterator().next())));
  }

  public Future<List<ServiceKey>> list() {
    return pool.query("SELECT " + COLUMNS + " FROM service_keys ORDER BY name").execute().map(rows -> {
      List<ServiceKey> out = new ArrayList<>();
      rows.forEach(r -> out.add(toKey(r)));
      return out;
    });
  }

  /** Marks the key revoked (kept for the record: its name is not reused); {@code not_found} when there is no live key of that name. */
  public Future<ServiceKey> revoke(String name) {
    return pool.preparedQuery("UPDATE service_keys SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL RETURNING " + COLUMNS)
        .execute(Tuple.of(name))
        .compose(rows -> rows.size() == 0
            ? Future.failedFuture(new OpsbusException(ErrorCode.NOT_FOUND, "no live service key named '" + name + "'"))
            : Future.succeededFuture(toKey(rows.iterator().next())));
  }

  /** Records a use; callers throttle it. */
  public Future<Void> touch(String name) {
    return pool.preparedQuery("UPDATE service_keys SET last_used_at = now() WHERE name = $1").execute(Tuple.of(name)).mapEmpty();
  }

  /**
   * Of these key names, those not revoked, each with whether it has expired by the database's
   * clock; a name missing from the answer is revoked (or unknown).
   */
  public Future<Map<String, Boolean>> notRevoked(Set<String> names) {
    return pool.preparedQuery("SELECT name, expires_at IS NOT NULL AND expires_at <= now() FROM service_keys "
            + "WHERE revoked_at IS NULL AND name = ANY($1)")
        .execute(Tuple.of((Object) names.toArray(String[]::new)))
        .map(rows -> {
          Map<String, Boolean> out = new HashMap<>();
          rows.forEach(r -> out.put(r.getString(0), r.getBoolean(1)));
          return out;
        });
  }

  private static <T> Future<T> explain(Throwable err) {
    if (err instanceof PgException pg && UNIQUE_VIOLATION.equals(pg.getSqlState())) {
      return Future.failedFuture(new OpsbusException(ErrorCode.ALREADY_EXISTS, "a service key of that name exists already (revoked names are not reused)"));
    }
    if (err instanceof PgException pg && CHECK_VIOLATION.equals(pg.getSqlState())) {
      return Future.failedFuture(new OpsbusException(ErrorCode.INVALID_REQUEST,
          "a key name is 1-63 characters of a-z, 0-9, '_', '-', starting with a letter or digit"));
    }
    return Future.failedFuture(err);
  }

  private static ServiceKey toKey(Row r) {
    Set<Role> roles = Arrays.stream(r.getArrayOfStrings("roles")).map(Role::parse).collect(Collectors.toCollection(LinkedHashSet::new));
    Set<String> hosts = new LinkedHashSet<>(Arrays.asList(r.getArrayOfStrings("hosts")));
    Object g = r.getValue("grants");
    KeyGrants grants = g instanceof JsonObject o ? Json.fromJsonObject(o, KeyGrants.class) : KeyGrants.NONE;
    return new ServiceKey(r.getString("name"), roles, hosts, grants, r.getString("created_by"),
        instant(r.getOffsetDateTime("created_at")), instant(r.getOffsetDateTime("last_used_at")), instant(r.getOffsetDateTime("revoked_at")),
        instant(r.getOffsetDateTime("expires_at")));
  }

  private static Instant instant(OffsetDateTime t) {
    return t == null ? null : t.toInstant();
  }
}
