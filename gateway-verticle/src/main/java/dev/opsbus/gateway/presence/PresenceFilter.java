package dev.opsbus.gateway.presence;

import dev.opsbus.model.Principal;
import dev.opsbus.model.Role;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * What one viewer may see of the presence list (issue 11, point 9): admins see it all; anyone else
 * sees who is connected (names, tabs, nodes) but, of what they view, only the dashboard and hosts
 * the viewer holds a grant for. Terminal views (they carry a session id) and anything unknown are
 * left out. Applied to {@code presence.list} answers and to every {@code presence.changes} message
 * the bridge hands to a subscriber.
 */
public final class PresenceFilter {

  private static final String DASHBOARD = "dashboard";
  private static final String HOST_PREFIX = "host:";

  private PresenceFilter() {
  }

  /** {@code snapshot} ({@code {type, ts, users: [{username, tabs, nodes, views}]}}) as {@code viewer} may see it; null: from inside the cluster. */
  public static JsonObject forViewer(JsonObject snapshot, Principal viewer) {
    if (viewer == null || viewer.hasRole(Role.ADMIN) || !(snapshot.getValue("users") instanceof JsonArray users)) {
      return snapshot;
    }
    JsonArray visible = new JsonArray();
    for (Object o : users) {
      if (!(o instanceof JsonObject u)) {
        continue;
      }
      JsonArray views = new JsonArray();
      if (u.getValue("views") instanceof JsonArray all) {
        for (Object v : all) {
          if (v instanceof String s && maysee(s, viewer)) {
            views.add(s);
          }
        }
      }
      visible.add(u.copy().put("views", views));
    }
    return snapshot.copy().put("users", visible);
  }

  private static boolean maysee(String view, Principal viewer) {
    if (DASHBOARD.equals(view)) {
      return true;
    }
    return view.startsWith(HOST_PREFIX) && viewer.mayAccessHost(view.substring(HOST_PREFIX.length()));
  }
}
