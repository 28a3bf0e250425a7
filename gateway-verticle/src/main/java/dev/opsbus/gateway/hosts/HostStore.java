package dev.opsbus.gateway.hosts;

import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.secret.CredentialCipher;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/**
 * Hosts in PostgreSQL, as the gateway edits them. The secret is encrypted here, on the way in, and
 * never read back: {@link #toJson} has no field for it.
 */
public final class HostStore {

  private static final String COLUMNS = "id, name, address, port, username, auth_type, host_key_fingerprint, logs, created_at, updated_at";

  /** A new or changed host as an admin gives it; null fields of an update stay as they are. */
  public record HostInput(String id, String name, String address, Integer port, String username, String authType, String secret, JsonArray logs) {
  }

  private final Pool pool;
  private final CredentialCipher cipher;

  public HostStore(Pool pool, CredentialCipher cipher) {
    this.pool = pool;
    this.cipher = cipher;
  }

  public Future<List<JsonObject>> list() {
    return pool.query("SELECT " + COLUMNS + " FROM hosts ORDER BY id").execute().map(rows -> {
      List<JsonObject> out = new ArrayList<>();
      rows.forEach(r -> out.add(toJson(r)));
      return out;
    });
  }

  public Future<JsonObject> get(String id) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM hosts WHERE id = $1").execute(Tuple.of(id))
        .compose(rows -> rows.size() == 0 ? Future.failedFuture(notFound(id)) : Future.succeededFuture(toJson(rows.iterator().next())));
  }

  public Future<JsonObject> create(HostInput in) {
    return pool.preparedQuery("INSERT INTO hosts (id, name, address, port, username, auth_type, secret_encrypted, logs) "
            + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING " + COLUMNS)
        .execute(Tuple.tuple().addString(in.id()).addString(in.name()).addString(in.address()).addInteger(in.port())
            .addString(in.username()).addString(in.authType()).addString(cipher.encrypt(in.secret()))
            .addValue(in.logs() == null ? new JsonArray() : in.logs()))
        .map(rows -> toJson(rows.iterator().next()))
        .recover(err -> err instanceof PgException pg && "23505".equals(pg.getSqlState())
            ? Future.failedFuture(new OpsbusException(ErrorCode.ALREADY_EXISTS, "a host with id '" + in.id() + "' exists already"))
            : Future.failedFuture(err));
  }

  /** Changing the address or port unpins the host key: a new endpoint must be accepted again. */
  public Future<JsonObject> update(String id, HostInput in) {
    return pool.preparedQuery("UPDATE hosts SET name = COALESCE($2, name), address = COALESCE($3, address), port = COALESCE($4, port), "
            + "username = COALESCE($5, username), auth_type = COALESCE($6, auth_type), secret_encrypted = COALESCE($7, secret_encrypted), "
            + "logs = COALESCE($8, logs), "
            + "host_key_fingerprint = CASE WHEN ($3 IS NOT NULL AND $3 <> address) OR ($4 IS NOT NULL AND $4 <> port) THEN NULL ELSE host_key_fingerprint END, "
            + "updated_at = now() WHERE id = $1 RETURNING " + COLUMNS)
        .execute(Tuple.tuple().addString(id).addString(in.name()).addString(in.address()).addInteger(in.port())
            .addString(in.username()).addString(in.authType()).addString(in.secret() == null ? null : cipher.encrypt(in.secret()))
            .addValue(in.logs()))
        .compose(rows -> rows.size() == 0 ? Future.failedFuture(notFound(id)) : Future.succeededFuture(toJson(rows.iterator().next())));
  }

  public Future<JsonObject> pin(String id, String fingerprint) {
    return pool.preparedQuery("UPDATE hosts SET host_key_fingerprint = $2, updated_at = now() WHERE id = $1 RETURNING " + COLUMNS)
        .execute(Tuple.of(id, fingerprint))
        .compose(rows -> rows.size() == 0 ? Future.failedFuture(notFound(id)) : Future.succeededFuture(toJson(rows.iterator().next())));
  }

  public Future<Void> delete(String id) {
    return pool.preparedQuery("DELETE FROM hosts WHERE id = $1").execute(Tuple.of(id))
        .compose(rows -> rows.rowCount() == 0 ? Future.failedFuture(notFound(id)) : Future.succeededFuture());
  }

  private static OpsbusException notFound(String id) {
    return new OpsbusException(ErrorCode.NOT_FOUND, "no host '" + id + "'");
  }

  static JsonObject toJson(Row r) {
    Object logs = r.getValue("logs");
    return new JsonObject()
        .put("id", r.getString("id"))
        .put("name", r.getString("name"))
        .put("address", r.getString("address"))
        .put("port", r.getInteger("port"))
        .put("username", r.getString("username"))
        .put("authType", r.getString("auth_type"))
        .put("hostKey", new JsonObject().put("pinned", r.getString("host_key_fingerprint")))
        .put("logs", logs instanceof JsonArray a ? a : new JsonArray())
        .put("createdAt", String.valueOf(r.getOffsetDateTime("created_at")))
        .put("updatedAt", String.valueOf(r.getOffsetDateTime("updated_at")));
  }
}
