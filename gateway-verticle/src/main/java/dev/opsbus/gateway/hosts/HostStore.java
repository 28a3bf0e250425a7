package dev.opsbus.gateway.hosts;

import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.db.Settings;
import dev.opsbus.model.hosts.HostConnection;
import dev.opsbus.model.hosts.HostRecord;
import dev.opsbus.model.secret.CredentialCipher;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code hosts} table: the only code that reads or writes it (its migration is the gateway's
 * {@code db/migration/gateway/V2__hosts.sql}). The secret is sealed here, on the way in, and only
 * ever leaves sealed, in {@link #connection} for the SSH relay; {@link HostRecord} has no field
 * for it. Other verticles ask through {@link HostService} on the bus.
 */
public final class HostStore {

  private static final String COLUMNS = "id, name, address, port, username, auth_type, host_key_fingerprint, logs, created_at, updated_at";

  /** A new or changed host as an admin gives it; null fields of an update stay as they are. */
  public record HostInput(String id, String name, String address, Integer port, String username, String authType, String secret, JsonArray logs) {

    /** Leaves the secret out. */
    @Override
    public String toString() {
      return "HostInput[" + id + " " + username + "@" + address + ":" + port + " " + authType + "]";
    }
  }

  private final Pool pool;
  private final CredentialCipher cipher;
  private final boolean ownsPool;

  public HostStore(Pool pool, CredentialCipher cipher) {
    this(pool, cipher, false);
  }

  private HostStore(Pool pool, CredentialCipher cipher, boolean ownsPool) {
    this.pool = pool;
    this.cipher = cipher;
    this.ownsPool = ownsPool;
  }

  /**
   * A store on a small pool of its own, with the cluster's credential key (created on first use),
   * for code outside a running gateway: the launcher registering the demo host, and tests. Close it.
   */
  public static Future<HostStore> open(Vertx vertx, PgConnectOptions db) {
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(2)).connectingTo(db).using(vertx).build();
    return new Settings(pool).getOrCreateSecret(CredentialCipher.SETTINGS_KEY, CredentialCipher.KEY_BYTES)
        .map(key -> new HostStore(pool, new CredentialCipher(key), true))
        .recover(err -> pool.close().transform(ignored -> Future.failedFuture(err)));
  }

  /** Closes the pool when {@link #open} made it; a gateway's own pool is closed by the gateway. */
  public Future<Void> close() {
    return ownsPool ? pool.close() : Future.succeededFuture();
  }

  public Future<List<HostRecord>> list() {
    return pool.query("SELECT " + COLUMNS + " FROM hosts ORDER BY id").execute().map(rows -> {
      List<HostRecord> out = new ArrayList<>();
      rows.forEach(r -> out.add(toRecord(r)));
      return out;
    });
  }

  public Future<HostRecord> get(String id) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM hosts WHERE id = $1").execute(Tuple.of(id))
        .compose(rows -> rows.size() == 0 ? Future.failedFuture(notFound(id)) : Future.succeededFuture(toRecord(rows.iterator().next())));
  }

  /** The host with its secret as stored (sealed): what the SSH relay opens just before it connects. */
  public Future<HostConnection> connection(String id) {
    return pool.preparedQuery("SELECT " + COLUMNS + ", secret_encrypted FROM hosts WHERE id = $1").execute(Tuple.of(id))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.failedFuture(notFound(id));
          }
          Row r = rows.iterator().next();
          return Future.succeededFuture(new HostConnection(toRecord(r), r.getString("secret_encrypted")));
        });
  }

  public Future<HostRecord> create(HostInput in) {
    return pool.preparedQuery("INSERT INTO hosts (id, name, address, port, username, auth_type, secret_encrypted, logs) "
            + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING " + COLUMNS)
        .execute(Tuple.tuple().addString(in.id()).addString(in.name()).addString(in.address()).addInteger(in.port())
            .addString(in.username()).addString(in.authType()).addString(cipher.encrypt(in.secret()))
            .addValue(in.logs() == null ? new JsonArray() : in.logs()))
        .map(rows -> toRecord(rows.iterator().next()))
        .recover(err -> err instanceof PgException pg && "23505".equals(pg.getSqlState())
            ? Future.failedFuture(new OpsbusException(ErrorCode.ALREADY_EXISTS, "a host with id '" + in.id() + "' exists already"))
            : Future.failedFuture(err));
  }

  /**
   * Creates the host or replaces it whole, with {@code fingerprint} pinned (null: none): how hosts
   * that the node itself provides ({@code --demo}) and test hosts are registered. Logs left null
   * keep those of an existing host.
   */
  public Future<HostRecord> register(HostInput in, String fingerprint) {
    return pool.preparedQuery("INSERT INTO hosts (id, name, address, port, username, auth_type, secret_encrypted, host_key_fingerprint, logs) "
            + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, COALESCE($9, '[]'::jsonb)) "
            + "ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, address = EXCLUDED.address, port = EXCLUDED.port, "
            + "username = EXCLUDED.username, auth_type = EXCLUDED.auth_type, secret_encrypted = EXCLUDED.secret_encrypted, "
            + "host_key_fingerprint = EXCLUDED.host_key_fingerprint, logs = COALESCE($9, hosts.logs), updated_at = now() "
            + "RETURNING " + COLUMNS)
        .execute(Tuple.tuple().addString(in.id()).addString(in.name() == null ? in.id() : in.name()).addString(in.address())
            .addInteger(in.port() == null ? 22 : in.port()).addString(in.username()).addString(in.authType())
            .addString(cipher.encrypt(in.secret())).addString(fingerprint).addValue(in.logs()))
        .map(rows -> toRecord(rows.iterator().next()));
  }

  /** Changing the address or port unpins the host key: a new endpoint must be accepted again. */
  public Future<HostRecord> update(String id, HostInput in) {
    return pool.preparedQuery("UPDATE hosts SET name = COALESCE($2, name), address = COALESCE($3, address), port = COALESCE($4, port), "
            + "username = COALESCE($5, username), auth_type = COALESCE($6, auth_type), secret_encrypted = COALESCE($7, secret_encrypted), "
            + "logs = COALESCE($8, logs), "
            + "host_key_fingerprint = CASE WHEN ($3 IS NOT NULL AND $3 <> address) OR ($4 IS NOT NULL AND $4 <> port) THEN NULL ELSE host_key_fingerprint END, "
            + "updated_at = now() WHERE id = $1 RETURNING " + COLUMNS)
        .execute(Tuple.tuple().addString(id).addString(in.name()).addString(in.address()).addInteger(in.port())
            .addString(in.username()).addString(in.authType()).addString(in.secret() == null ? null : cipher.encrypt(in.secret()))
            .addValue(in.logs()))
        .compose(rows -> rows.size() == 0 ? Future.failedFuture(notFound(id)) : Future.succeededFuture(toRecord(rows.iterator().next())));
  }

  public Future<HostRecord> pin(String id, String fingerprint) {
    return pool.preparedQuery("UPDATE hosts SET host_key_fingerprint = $2, updated_at = now() WHERE id = $1 RETURNING " + COLUMNS)
        .execute(Tuple.of(id, fingerprint))
        .compose(rows -> rows.size() == 0 ? Future.failedFuture(notFound(id)) : Future.succeededFuture(toRecord(rows.iterator().next())));
  }

  public Future<Void> delete(String id) {
    return pool.preparedQuery("DELETE FROM hosts WHERE id = $1").execute(Tuple.of(id))
        .compose(rows -> rows.rowCount() == 0 ? Future.failedFuture(notFound(id)) : Future.succeededFuture());
  }

  private static OpsbusException notFound(String id) {
    return new OpsbusException(ErrorCode.NOT_FOUND, "no host '" + id + "'");
  }

  private static HostRecord toRecord(Row r) {
    List<HostRecord.LogSpec> logs = new ArrayList<>();
    if (r.getValue("logs") instanceof JsonArray arr) {
      for (Object o : arr) {
        if (o instanceof JsonObject j && j.getValue("stream") instanceof String stream && j.getValue("path") instanceof String path) {
          logs.add(new HostRecord.LogSpec(stream, path));
        }
      }
    }
    return new HostRecord(r.getString("id"), r.getString("name"), r.getString("address"), r.getInteger("port"),
        r.getString("username"), r.getString("auth_type"), new HostRecord.HostKey(r.getString("host_key_fingerprint")), logs,
        instant(r.getOffsetDateTime("created_at")), instant(r.getOffsetDateTime("updated_at")));
  }

  private static java.time.Instant instant(OffsetDateTime t) {
    return t == null ? null : t.toInstant();
  }
}
