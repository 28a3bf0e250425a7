package dev.opsbus.ssh.recording;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.BusFailures;
import dev.opsbus.model.BusIdentity;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.Principal;
import dev.opsbus.model.Role;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the recordings kept in the database to admins on any node ({@code recordings.list},
 * {@code recordings.read}, page by page), and runs the retention sweep every
 * {@link RecordingLimits#sweepPeriod}. Every relay runs one: the database is the same for all, so
 * whichever the bus picks answers the same, and two sweeps at once delete the same rows once.
 */
public final class RecordingService {

  static final int DEFAULT_LIST_LIMIT = 200;
  static final int MAX_LIST_LIMIT = 1000;

  private static final Logger LOG = LoggerFactory.getLogger(RecordingService.class);
  private static final Pattern SESSION_ID = Pattern.compile("[0-9a-f]{32}");
  private static final Pattern HOST_ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");

  private final Vertx vertx;
  private final RecordingStore store;
  private final RecordingLimits limits;
  private final String nodeId;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private long sweepTimer = -1;
  private Future<Integer> sweeping = Future.succeededFuture(0);

  public RecordingService(Vertx vertx, RecordingStore store, RecordingLimits limits, String nodeId) {
    this.vertx = vertx;
    this.store = store;
    this.limits = limits;
    this.nodeId = nodeId;
  }

  public Future<Void> start() {
    consumers.add(vertx.eventBus().<JsonObject>consumer(Addresses.RECORDINGS_LIST, this::list));
    consumers.add(vertx.eventBus().<JsonObject>consumer(Addresses.RECORDINGS_READ, this::read));
    sweepTimer = vertx.setPeriodic(limits.sweepPeriod().toMillis(), t -> sweep());
    List<Future<Void>> ready = new ArrayList<>();
    consumers.forEach(c -> ready.add(c.completion()));
    return Future.all(ready).mapEmpty();
  }

  public Future<Void> stop() {
    if (sweepTimer >= 0) {
      vertx.cancelTimer(sweepTimer);
    }
    List<Future<Void>> gone = new ArrayList<>();
    consumers.forEach(c -> gone.add(c.unregister()));
    consumers.clear();
    gone.add(sweeping.<Void>mapEmpty().otherwiseEmpty());
    return Future.join(gone).mapEmpty();
  }

  /** One sweep now (the timer's, and tests'); a sweep already running is not started twice. Answers how many went. */
  public Future<Integer> sweep() {
    if (!sweeping.isComplete()) {
      return sweeping;
    }
    sweeping = store.sweep(limits, Instant.now())
        .onSuccess(n -> {
          if (n > 0) {
            LOG.info("recording sweep on node {} deleted {} recording(s) past the retention", nodeId, n);
          }
        })
        .onFailure(e -> LOG.warn("recording sweep on node {} failed: {}", nodeId, e.getMessage()));
    return sweeping;
  }

  private void list(Message<JsonObject> msg) {
    try {
      admin(msg);
      JsonObject b = msg.body() == null ? new JsonObject() : msg.body();
      String hostId = optional(b, "hostId", HOST_ID);
      String sessionId = optional(b, "sessionId", SESSION_ID);
      int limit = DEFAULT_LIST_LIMIT;
      Object l = b.getValue("limit");
      if (l != null) {
        if (!(l instanceof Integer i) || i < 1 || i > MAX_LIST_LIMIT) {
          throw new OpsbusException(ErrorCode.INVALID_REQUEST, "limit must be a whole number from 1 to " + MAX_LIST_LIMIT);
        }
        limit = i;
      }
      store.list(hostId, sessionId, limit)
          .onSuccess(entries -> {
            JsonArray out = new JsonArray();
            entries.forEach(e -> out.add(e.toJson()));
            msg.reply(new JsonObject().put("recordings", out));
          })
          .onFailure(e -> BusFailures.fail(msg, ErrorCode.UNAVAILABLE, "recordings cannot be listed: " + e.getMessage()));
    } catch (OpsbusException e) {
      BusFailures.fail(msg, e.code(), e.getMessage());
    } catch (ClassCastException e) {
      BusFailures.fail(msg, ErrorCode.INVALID_REQUEST, "hostId and sessionId must be strings");
    }
  }

  private void read(Message<JsonObject> msg) {
    try {
      admin(msg);
      JsonObject b = msg.body() == null ? new JsonObject() : msg.body();
      String sid = optional(b, "sessionId", SESSION_ID);
      if (sid == null) {
        throw new OpsbusException(ErrorCode.INVALID_REQUEST, Addresses.RECORDINGS_READ + " needs a sessionId of 32 hex digits");
      }
      Object f = b.getValue("from");
      if (f != null && (!(f instanceof Integer i) || i < 0)) {
        throw new OpsbusException(ErrorCode.INVALID_REQUEST, "from must be a whole number, 0 or more");
      }
      int from = f == null ? 0 : (Integer) f;
      store.get(sid)
          .compose(e -> e.isEmpty()
              ? Future.<RecordingStore.Page>failedFuture(new OpsbusException(ErrorCode.NOT_FOUND, "no recording of terminal " + sid))
              : store.read(sid, from))
          .onSuccess(p -> msg.reply(new JsonObject().put("sessionId", sid).put("text", p.text()).put("next", p.next())))
          .onFailure(e -> {
            if (e instanceof OpsbusException o) {
              BusFailures.fail(msg, o.code(), o.getMessage());
            } else {
              BusFailures.fail(msg, ErrorCode.UNAVAILABLE, "the recording of terminal " + sid + " cannot be read: " + e.getMessage());
            }
          });
    } catch (OpsbusException e) {
      BusFailures.fail(msg, e.code(), e.getMessage());
    } catch (ClassCastException e) {
      BusFailures.fail(msg, ErrorCode.INVALID_REQUEST, "sessionId must be a string");
    }
  }

  private static void admin(Message<?> msg) {
    Principal caller = BusIdentity.of(msg.headers());
    if (caller == null || !caller.hasRole(Role.ADMIN)) {
      throw new OpsbusException(ErrorCode.ACCESS_DENIED, "only an admin may list or read terminal recordings");
    }
  }

  private static String optional(JsonObject b, String key, Pattern shape) {
    String v = b.getString(key);
    if (v == null) {
      return null;
    }
    if (!shape.matcher(v).matches()) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "not a " + key + ": " + v);
    }
    return v;
  }
}
