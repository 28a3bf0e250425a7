package dev.opsbus.gateway.notifications;

import dev.opsbus.model.AddressPattern;
import dev.opsbus.model.BusFailures;
import dev.opsbus.model.BusIdentity;
import dev.opsbus.model.Direction;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.PermissionRule;
import dev.opsbus.model.PermissionRules;
import dev.opsbus.model.Principal;
import dev.opsbus.model.ResourceGuard;
import dev.opsbus.model.Role;
import dev.opsbus.model.wire.SendNotification;
import dev.opsbus.model.wire.UserNotification;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Messages to one user. {@code notifications.send} stores one (the last 100 per user are kept, in
 * PostgreSQL, so they outlive restarts) and publishes it on {@code user.{username}.notifications};
 * only that user may subscribe there ({@code self:{username}}), and a new subscriber first gets
 * what it missed ({@code notifications.history}, with {@code sinceSeq}), so a user who was offline
 * sees them after logging in. Every gateway answers both addresses; the table is shared.
 */
public final class NotificationService {

  public static final AddressPattern USER_NOTIFICATIONS = AddressPattern.of("user.{username}.notifications");
  public static final String SEND = "notifications.send";
  public static final String HISTORY = "notifications.history";
  /** The resource check a rule writes {@code self:{username}}: the part names the asking user. */
  public static final String SELF_CHECK = "self";
  private static final Set<String> LEVELS = Set.of("info", "warning", "error");

  private final Vertx vertx;
  private final NotificationStore store;
  private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();

  public NotificationService(Vertx vertx, NotificationStore store) {
    this.vertx = vertx;
    this.store = store;
  }

  /** The rules behind this, added after the configured ones (a rule may only add permissions). */
  public static PermissionRules withRules(PermissionRules rules) {
    List<PermissionRule> all = new ArrayList<>(rules.rules());
    all.add(new PermissionRule(USER_NOTIFICATIONS, EnumSet.of(Direction.SUBSCRIBE), EnumSet.allOf(Role.class),
        List.of(new PermissionRule.Check(SELF_CHECK, "username")), PermissionRule.Overflow.DISCONNECT, HISTORY));
    all.add(new PermissionRule(AddressPattern.of(SEND), EnumSet.of(Direction.REQUEST), EnumSet.of(Role.ADMIN), List.of(), null));
    return new PermissionRules(all);
  }

  /** Answers {@code self:{username}} and hands every other check to {@code next}. */
  public static ResourceGuard guard(ResourceGuard next) {
    return (p, check, value) -> SELF_CHECK.equals(check) ? p.username().equals(value) : next.allows(p, check, value);
  }

  public Future<Void> start() {
    MessageConsumer<JsonObject> send = vertx.eventBus().consumer(SEND, this::send);
    MessageConsumer<JsonObject> history = vertx.eventBus().consumer(HISTORY, this::history);
    consumers.add(send);
    consumers.add(history);
    return Future.all(send.completion(), history.completion()).mapEmpty();
  }

  public void stop() {
    consumers.forEach(MessageConsumer::unregister);
  }

  private void send(Message<JsonObject> msg) {
    SendNotification req;
    try {
      req = SendNotification.fromJson(msg.body() == null ? new JsonObject() : msg.body());
    } catch (IllegalArgumentException e) {
      BusFailures.fail(msg, ErrorCode.INVALID_REQUEST, "a notification is {username, title, text, level}");
      return;
    }
    if (req.username() == null || !req.username().matches(AddressPattern.SEGMENT)) {
      BusFailures.fail(msg, ErrorCode.INVALID_REQUEST, "username is required");
      return;
    }
    if (req.title() == null || req.title().isBlank() || req.title().length() > 200 || (req.text() != null && req.text().length() > 4000)) {
      BusFailures.fail(msg, ErrorCode.INVALID_REQUEST, "title is required (at most 200 characters); text at most 4000");
      return;
    }
    String level = req.level() == null ? "info" : req.level();
    if (!LEVELS.contains(level)) {
      BusFailures.fail(msg, ErrorCode.INVALID_REQUEST, "level is one of " + LEVELS);
      return;
    }
    Principal from = BusIdentity.of(msg.headers());
    store.add(req.username(), req.title(), req.text(), level, from == null ? "opsbus" : from.username())
        .onSuccess(n -> {
          vertx.eventBus().publish(USER_NOTIFICATIONS.format(req.username()), n.toJson());
          msg.reply(new JsonObject().put("seq", n.seq()));
        })
        .onFailure(err -> BusFailures.fail(msg, ErrorCode.UNAVAILABLE, "the notification could not be stored"));
  }

  /** The bridge's replay request for {@code user.{username}.notifications}: only the user's own. */
  private void history(Message<JsonObject> msg) {
    JsonObject req = msg.body() == null ? new JsonObject() : msg.body();
    Principal asker = BusIdentity.of(msg.headers());
    String username = req.getString("username");
    if (username == null || (asker != null && !asker.username().equals(username))) {
      BusFailures.fail(msg, ErrorCode.ACCESS_DENIED, "only a user may read their own notifications");
      return;
    }
    Long since = req.getValue("sinceSeq") instanceof Number n ? n.longValue() : null;
    store.since(username, since)
        .onSuccess(list -> msg.reply(new JsonObject().put("changes", new JsonArray(list.stream().map(UserNotification::toJson).toList()))))
        .onFailure(err -> BusFailures.fail(msg, ErrorCode.UNAVAILABLE, "notifications could not be read"));
  }
}
