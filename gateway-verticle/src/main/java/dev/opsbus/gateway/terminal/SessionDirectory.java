package dev.opsbus.gateway.terminal;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.Principal;
import dev.opsbus.model.ResourceGuard;
import dev.opsbus.model.Role;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;

/**
 * The gateway's view of terminal sessions cluster-wide, kept from {@code ssh.sessions}: who takes
 * part in which session, in which role. It answers the permission rules' session checks
 * ({@code session:{sid}}: a participant; {@code sessionWriter:{sid}}: the driver or a writer), so a
 * bridge client can watch a session only once the relay has let it join. Event-loop confined.
 */
public final class SessionDirectory implements ResourceGuard {

  private final Map<String, Map<String, String>> participants = new HashMap<>();
  private final Map<String, Long> versions = new HashMap<>();
  private MessageConsumer<JsonObject> consumer;

  public Future<Void> start(Vertx vertx) {
    consumer = vertx.eventBus().consumer(Addresses.SSH_SESSIONS, m -> update(m.body()));
    return consumer.completion();
  }

  void update(JsonObject s) {
    String sid = s.getString("sessionId");
    if (sid == null) {
      return;
    }
    long version = s.getLong("version", 0L);
    if (versions.getOrDefault(sid, -1L) > version) {
      return;
    }
    versions.put(sid, version);
    String status = s.getString("status", "");
    if ("closed".equals(status) || "disconnected".equals(status)) {
      participants.remove(sid);
      return;
    }
    Map<String, String> roles = new HashMap<>();
    for (Object o : s.getJsonArray("participants", new io.vertx.core.json.JsonArray())) {
      if (o instanceof JsonObject p && p.getString("username") != null) {
        roles.put(p.getString("username"), p.getString("role", "viewer"));
      }
    }
    participants.put(sid, roles);
  }

  /** The user's role in a session ({@code driver}, {@code writer}, {@code viewer}), or null. */
  public String roleOf(String sid, String username) {
    Map<String, String> roles = participants.get(sid);
    return roles == null ? null : roles.get(username);
  }

  @Override
  public boolean allows(Principal principal, String check, String sid) {
    String role = roleOf(sid, principal.username());
    return switch (check) {
      case "session" -> role != null || principal.hasRole(Role.ADMIN) && participants.containsKey(sid);
      case "sessionWriter" -> "driver".equals(role) || "writer".equals(role);
      default -> false;
    };
  }
}
