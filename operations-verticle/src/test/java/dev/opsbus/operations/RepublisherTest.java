package dev.opsbus.operations;

import static dev.opsbus.operations.OpsHarness.result;
import static dev.opsbus.operations.OpsHarness.until;
import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.Json;
import dev.opsbus.model.NodeLocal;
import dev.opsbus.model.Republished;
import dev.opsbus.model.event.Operation;
import dev.opsbus.model.wire.StartOperation;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A node killed between committing an operation's change and publishing it: the change is in the
 * database and nobody pushed it. Simulated by committing through the store without publishing,
 * then taking the owner out of the cluster's members: the surviving node publishes to its own
 * subscribers, once, exactly the changes it never received, and none of a node that is still a member.
 */
class RepublisherTest {

  static final Duration WAIT = Duration.ofSeconds(60);

  private static StartOperation start(String type) {
    return new StartOperation("demo", type, Map.of(), StartOperation.BY_USER, "otto", null, Map.of());
  }

  private static long count(List<Message<JsonObject>> got, long seq) {
    return got.stream().filter(m -> m.body().getLong("seq") == seq).count();
  }

  @Test
  void aChangeCommittedByANodeThatLeftButNeverPublishedReachesTheSurvivorsSubscribersOnce() {
    TestDatabase.reset();
    Vertx b = Vertx.vertx();
    Pool pool = PgBuilder.pool().connectingTo(TestDatabase.connectOptions()).using(b).build();
    try {
      b.sharedData().getLocalMap(NodeLocal.MAP).put(NodeLocal.MEMBERS, "node-a,node-b,node-c");
      OpsHarness.deployOperations(b, OpsHarness.config("node-b", List.of()));
      List<Message<JsonObject>> host = new CopyOnWriteArrayList<>();
      List<Message<JsonObject>> all = new CopyOnWriteArrayList<>();
      result(b.eventBus().<JsonObject>consumer(Addresses.OPS_UPDATES_HOST.format("demo"), host::add).completion());
      result(b.eventBus().<JsonObject>consumer(Addresses.OPS_UPDATES_ALL, all::add).completion());
      OperationStore store = new OperationStore(pool);

      // node A starts an operation and publishes its first change, as it does
      Operation first = result(store.insertIfNone(start("ssh_test"), "node-a")).orElseThrow();
      JsonObject published = Json.toJsonObject(first);
      b.eventBus().publish(Addresses.OPS_UPDATES_HOST.format("demo"), published);
      b.eventBus().publish(Addresses.OPS_UPDATES_ALL, published);
      until("the published change arrived", WAIT, () -> count(all, first.seq()) == 1 && count(host, first.seq()) == 1);
      // ... commits its next change and is killed before publishing it
      Operation unpublished = result(store.change(UUID.fromString(first.id()), Operation.IN_PROGRESS, 10, "running", null, null)).orElseThrow();
      // node C, alive, has committed a change it is about to publish: not ours to publish
      Operation ofLiveNode = result(store.insertIfNone(start("health_check"), "node-c")).orElseThrow();

      b.sharedData().getLocalMap(NodeLocal.MAP).put(NodeLocal.MEMBERS, "node-b,node-c");
      until("node A's unpublished change reached B's subscribers", WAIT,
          () -> count(all, unpublished.seq()) == 1 && count(host, unpublished.seq()) == 1);
      Message<JsonObject> again = host.stream().filter(m -> unpublished.seq().equals(m.body().getLong("seq"))).findFirst().orElseThrow();
      assertThat(again.headers().get(Republished.HEADER)).isEqualTo("true");
      assertThat(again.body().getString("status")).isEqualTo(Operation.IN_PROGRESS);
      assertThat(again.body().getLong("version")).isEqualTo(2L);
      assertThat(again.body().getString("id")).isEqualTo(first.id());

      // node C leaves too: its change is republished now, and node A's are not again
      b.sharedData().getLocalMap(NodeLocal.MAP).put(NodeLocal.MEMBERS, "node-b");
      until("node C's unpublished change reached B's subscribers", WAIT,
          () -> count(all, ofLiveNode.seq()) == 1 && count(host, ofLiveNode.seq()) == 1);
      assertThat(count(all, first.seq())).as("the change A published, never again").isEqualTo(1);
      assertThat(count(host, first.seq())).isEqualTo(1);
      assertThat(count(all, unpublished.seq())).as("A's unpublished change, once").isEqualTo(1);
      assertThat(count(host, unpublished.seq())).isEqualTo(1);
      // (B's sweep fails the lost nodes' operations node_lost meanwhile and publishes that: new changes)
      assertThat(all.stream().map(m -> m.body().getLong("seq")).toList()).as("no change twice").doesNotHaveDuplicates();
      assertThat(host.stream().map(m -> m.body().getLong("seq")).toList()).as("no change twice").doesNotHaveDuplicates();
      assertThat(all.stream().filter(m -> m.headers().contains(Republished.HEADER)).map(m -> m.body().getLong("seq")).toList())
          .as("republished: the two never published").containsExactly(unpublished.seq(), ofLiveNode.seq());
    } finally {
      result(pool.close());
      result(b.close());
    }
  }
}
