package dev.opsbus.gateway.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.testkit.TestCluster;
import io.vertx.core.Vertx;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The per-user cap over two clustered Vert.x instances: connections on either node count together. */
class ClusterConnectionCapTest {

  static TestCluster.Node a;
  static TestCluster.Node b;

  @BeforeAll
  static void cluster() {
    String name = TestCluster.newName();
    a = TestCluster.start(name);
    b = TestCluster.start(name);
  }

  @AfterAll
  static void stop() throws Exception {
    for (TestCluster.Node n : new TestCluster.Node[] {a, b}) {
      if (n != null) {
        n.vertx().close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    }
  }

  /** Runs {@code r} on a context of {@code v} and waits for it. */
  private static <T> T on(Vertx v, java.util.function.Function<CompletableFuture<T>, Void> r) throws Exception {
    CompletableFuture<T> cf = new CompletableFuture<>();
    v.runOnContext(x -> r.apply(cf));
    return cf.get(30, TimeUnit.SECONDS);
  }

  /** Admits a connection: true when admitted, false when refused (waits for the answer via a probe). */
  private static boolean admit(Vertx v, ClusterConnectionCap cap, Object conn, String user) throws Exception {
    AtomicInteger refused = new AtomicInteger();
    on(v, cf -> {
      cap.admit(conn, user, refused::incrementAndGet);
      cf.complete(null);
      return null;
    });
    // admitted once counted, refused once told
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      if (refused.get() > 0) {
        return false;
      }
      if (cap.isCounted(conn)) {
        return true;
      }
      java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
    }
    throw new AssertionError("no answer for " + conn);
  }

  @Test
  void connectionsOnBothNodesCountAgainstOneCap() throws Exception {
    ClusterConnectionCap onA = new ClusterConnectionCap(a.vertx(), "node-a", 3);
    ClusterConnectionCap onB = new ClusterConnectionCap(b.vertx(), "node-b", 3);
    on(a.vertx(), cf -> {
      onA.start().onComplete(ar -> cf.complete(null));
      return null;
    });
    on(b.vertx(), cf -> {
      onB.start().onComplete(ar -> cf.complete(null));
      return null;
    });
    Object c1 = new Object();
    Object c2 = new Object();
    Object c3 = new Object();
    Object c4 = new Object();
    assertThat(admit(a.vertx(), onA, c1, "uma")).isTrue();
    assertThat(admit(b.vertx(), onB, c2, "uma")).isTrue();
    assertThat(admit(a.vertx(), onA, c3, "uma")).isTrue();
    assertThat(admit(b.vertx(), onB, c4, "uma")).as("the fourth, on the other node").isFalse();
    assertThat(admit(b.vertx(), onB, new Object(), "vic")).as("another user").isTrue();

    on(a.vertx(), cf -> {
      onA.closed(c1);
      cf.complete(null);
      return null;
    });
    boolean again = false;
    for (int i = 0; i < 50 && !again; i++) {
      again = admit(b.vertx(), onB, new Object(), "uma");
    }
    assertThat(again).as("room again after one closed").isTrue();
  }
}
