package dev.opsbus.gateway.presence;

import dev.opsbus.model.wire.ReplayAnswer;
import dev.opsbus.model.wire.ReplayRequest;
import dev.opsbus.model.Addresses;
import dev.opsbus.model.BusIdentity;
import dev.opsbus.gateway.loops.Loops;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Who is connected, cluster-wide. Each gateway knows its own tabs (one per authenticated bridge
 * connection) and publishes them, grouped per user, on {@code presence.node} after a change (changes
 * within {@value #DEBOUNCE_MS} ms go out together) and every few seconds;
 * every gateway merges what it hears, forgets a node silent for {@code nodeTimeout}, and the one
 * with the smallest node id among those it hears publishes the merged list, per user, on
 * {@code presence.changes} when it changes. {@code presence.list} answers the merged list (the
 * bridge replays it to a new subscriber). Event-loop confined.
 */
public final class PresenceService {

  private static final long HEARTBEAT_MS = 5_000;
  /** Changes within this window go out as one announcement (a connection storm is one message, not thousands). */
  private static final long DEBOUNCE_MS = 200;

  private record Tab(String username, String view) {
  }

  /** One user's tabs on one node: how many, and what they view. */
  private record UserTabs(String username, int tabs, List<String> views) {
  }

  private record NodeTabs(long receivedAt, List<UserTabs> users) {
  }

  private final Vertx vertx;
  private final String nodeId;
  private final long nodeTimeoutMs;
  /** The gateway's loop: every change of presence runs there, whichever loop the tab's connection lives on. */
  private final io.vertx.core.Context home;
  private final Map<Long, Tab> local = new HashMap<>();
  private final Map<String, NodeTabs> nodes = new HashMap<>();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private JsonArray lastPublished;
  private long timer = -1;
  private boolean dirty;

  public PresenceService(Vertx vertx, String nodeId, long nodeTimeoutMs) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.nodeTimeoutMs = nodeTimeoutMs;
    this.home = Loops.root(vertx.getOrCreateContext());
  }

  public Future<Void> start() {
    consumers.add(vertx.eventBus().<JsonObject>consumer(Addresses.PRESENCE_NODE, m -> heard(m.body())));
    consumers.add(vertx.eventBus().<JsonObject>consumer(Addresses.PRESENCE_LIST, m -> {
      // what the asker may see: views of hosts it holds no grant for are left out (PresenceFilter)
      JsonObject current = PresenceFilter.forViewer(snapshot(merged()), BusIdentity.of(m.headers()));
      // as a replay source it answers {changes: [...]}; as a plain request the list itself
      m.reply(ReplayRequest.isReplay(m.body()) ? ReplayAnswer.of(current).toJson() : current);
    }));
    timer = vertx.setPeriodic(HEARTBEAT_MS, t -> {
      announce();
      expire();
    });
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList()).onSuccess(v -> announce()).mapEmpty();
  }

  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    local.clear();
    announce();
    consumers.forEach(MessageConsumer::unregister);
  }

  /** A bridge connection of {@code username} logged in: a new tab. */
  public void opened(long connection, String username) {
    Loops.run(home, () -> {
      local.put(connection, new Tab(username, null));
      changed();
    });
  }

  public void closed(long connection) {
    Loops.run(home, () -> {
      if (local.remove(connection) != null) {
        changed();
      }
    });
  }

  /** The tab says what it views now. */
  public void view(long connection, String view) {
    Loops.run(home, () -> {
      Tab t = local.get(connection);
      if (t != null && !Objects.equals(t.view(), view)) {
        local.put(connection, new Tab(t.username(), view));
        changed();
      }
    });
  }

  private void changed() {
    if (!dirty) {
      dirty = true;
      vertx.setTimer(DEBOUNCE_MS, t -> {
        dirty = false;
        announce();
      });
    }
  }

  /** This node's tabs, grouped per user: the message grows with users, not with connections. */
  private void announce() {
    Map<String, int[]> counts = new TreeMap<>();
    Map<String, TreeSet<String>> views = new HashMap<>();
    for (Tab t : local.values()) {
      counts.computeIfAbsent(t.username(), u -> new int[1])[0]++;
      if (t.view() != null) {
        views.computeIfAbsent(t.username(), u -> new TreeSet<>()).add(t.view());
      }
    }
    JsonArray users = new JsonArray();
    counts.forEach((u, n) -> users.add(new JsonObject().put("username", u).put("tabs", n[0])
        .put("views", new JsonArray(new ArrayList<>(views.getOrDefault(u, new TreeSet<>()))))));
    vertx.eventBus().publish(Addresses.PRESENCE_NODE, new JsonObject().put("nodeId", nodeId).put("users", users));
  }

  private void heard(JsonObject msg) {
    String from = msg.getString("nodeId");
    if (from == null) {
      return;
    }
    List<UserTabs> users = new ArrayList<>();
    for (Object o : msg.getJsonArray("users", new JsonArray())) {
      JsonObject u = (JsonObject) o;
      List<String> views = new ArrayList<>();
      u.getJsonArray("views", new JsonArray()).forEach(v -> views.add(String.valueOf(v)));
      users.add(new UserTabs(u.getString("username"), u.getInteger("tabs", 0), views));
    }
    nodes.put(from, new NodeTabs(System.currentTimeMillis(), users));
    publishIfLeader();
  }

  private void expire() {
    long now = System.currentTimeMillis();
    if (nodes.entrySet().removeIf(e -> !e.getKey().equals(nodeId) && now - e.getValue().receivedAt() > nodeTimeoutMs)) {
      publishIfLeader();
    }
  }

  /** The live node with the smallest id publishes, so subscribers get each change once. */
  private void publishIfLeader() {
    String leader = nodes.keySet().stream().min(String::compareTo).orElse(nodeId);
    if (!leader.equals(nodeId)) {
      return;
    }
    JsonArray users = merged();
    if (!users.equals(lastPublished)) {
      lastPublished = users;
      vertx.eventBus().publish(Addresses.PRESENCE_CHANGES, snapshot(users));
    }
  }

  private static JsonObject snapshot(JsonArray users) {
    return new JsonObject().put("type", "presence").put("ts", Instant.now().toString()).put("users", users);
  }

  /** Per user: tabs across the cluster, the nodes they are on, what they view. */
  private JsonArray merged() {
    Map<String, int[]> tabs = new TreeMap<>();
    Map<String, TreeSet<String>> onNodes = new HashMap<>();
    Map<String, TreeSet<String>> views = new HashMap<>();
    for (Map.Entry<String, NodeTabs> e : nodes.entrySet()) {
      for (UserTabs u : e.getValue().users()) {
        tabs.computeIfAbsent(u.username(), x -> new int[1])[0] += u.tabs();
        onNodes.computeIfAbsent(u.username(), x -> new TreeSet<>()).add(e.getKey());
        views.computeIfAbsent(u.username(), x -> new TreeSet<>()).addAll(u.views());
      }
    }
    JsonArray out = new JsonArray();
    for (Map.Entry<String, int[]> e : tabs.entrySet()) {
      out.add(new JsonObject().put("username", e.getKey()).put("tabs", e.getValue()[0])
          .put("nodes", new JsonArray(new ArrayList<>(onNodes.get(e.getKey()))))
          .put("views", new JsonArray(new ArrayList<>(views.getOrDefault(e.getKey(), new TreeSet<>())))));
    }
    return out;
  }
}
