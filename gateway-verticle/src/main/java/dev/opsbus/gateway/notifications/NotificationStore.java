package dev.opsbus.gateway.notifications;

import dev.opsbus.model.wire.UserNotification;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/** The last {@link #KEEP} notifications of each user (table {@code user_notifications}, owned by the gateway). */
public final class NotificationStore {

  public static final int KEEP = 100;

  private final Pool pool;

  public NotificationStore(Pool pool) {
    this.pool = pool;
  }

  /** Stores one and drops that user's older ones past {@link #KEEP}, in one transaction. */
  public Future<UserNotification> add(String username, String title, String text, String level, String sentBy) {
    JsonObject body = new JsonObject().put("title", title).put("text", text).put("level", level);
    return pool.withTransaction(c -> c.preparedQuery("INSERT INTO user_notifications (username, body, sent_by) VALUES ($1, $2, $3) RETURNING seq, created_at")
        .execute(Tuple.of(username, body, sentBy))
        .compose(rows -> {
          Row r = rows.iterator().next();
          UserNotification n = new UserNotification(UserNotification.TYPE, r.getLong("seq"), username, title, text, level, sentBy,
              r.getOffsetDateTime("created_at").toInstant());
          return c.preparedQuery("DELETE FROM user_notifications WHERE username = $1 AND seq NOT IN "
                  + "(SELECT seq FROM user_notifications WHERE username = $1 ORDER BY seq DESC LIMIT " + KEEP + ")")
              .execute(Tuple.of(username)).map(n);
        }));
  }

  /** The user's kept notifications after {@code sinceSeq} (all kept ones when it is null), oldest first. */
  public Future<List<UserNotification>> since(String username, Long sinceSeq) {
    return pool.preparedQuery("SELECT seq, body, sent_by, created_at FROM user_notifications WHERE username = $1 AND seq > $2 ORDER BY seq")
        .execute(Tuple.of(username, sinceSeq == null ? 0L : sinceSeq))
        .map(rows -> {
          List<UserNotification> out = new ArrayList<>();
          for (Row r : rows) {
            JsonObject b = (JsonObject) r.getValue("body");
            out.add(new UserNotification(UserNotification.TYPE, r.getLong("seq"), username, b.getString("title"), b.getString("text"),
                b.getString("level"), r.getString("sent_by"), r.getOffsetDateTime("created_at").toInstant()));
          }
          return out;
        });
  }
}
