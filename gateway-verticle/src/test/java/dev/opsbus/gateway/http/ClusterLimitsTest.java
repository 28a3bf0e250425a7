package dev.opsbus.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.testkit.TestCluster;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The login throttle over two clustered Vert.x instances: attempts on either node count together. */
class ClusterLimitsTest {

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

  private static ClusterLoginThrottle throttle(TestCluster.Node n) {
    return new ClusterLoginThrottle(n.vertx(), new LoginThrottle(3, 5, 60_000), 3, 5, 60_000, System::currentTimeMillis);
  }

  private static long await(Future<Long> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void attemptsOnTwoNodesCountTogetherAndOnlyTheGuessingAddressIsLockedOut() throws Exception {
    ClusterLoginThrottle onA = throttle(a);
    ClusterLoginThrottle onB = throttle(b);
    assertThat(await(onA.reserve("10.1.0.1", "ann"))).isZero();
    assertThat(await(onB.reserve("10.1.0.1", "ann"))).isZero();
    assertThat(await(onA.reserve("10.1.0.1", "ann"))).isZero();
    // three failures at ann from this address, on two nodes: the fourth waits, on either node
    assertThat(await(onB.reserve("10.1.0.1", "ann"))).isPositive();
    assertThat(await(onA.reserve("10.1.0.1", "ann"))).isPositive();
    // another address is not locked out
    assertThat(await(onB.reserve("10.1.0.2", "ann"))).isZero();
    // per address, whatever the user: 5 in all from 10.1.0.1 (3 taken above)
    assertThat(await(onB.reserve("10.1.0.1", "bob"))).isZero();
    assertThat(await(onA.reserve("10.1.0.1", "cyd"))).isZero();
    assertThat(await(onB.reserve("10.1.0.1", "dan"))).isPositive();
  }

  @Test
  void parallelGuessesOnBothNodesTakeOneSlotEach() throws Exception {
    ClusterLoginThrottle onA = throttle(a);
    ClusterLoginThrottle onB = throttle(b);
    List<Future<Long>> all = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      all.add((i % 2 == 0 ? onA : onB).reserve("10.2.0.1", "eve"));
    }
    int taken = 0;
    for (Future<Long> f : all) {
      if (await(f) == 0) {
        taken++;
      }
    }
    assertThat(taken).as("slots taken by 12 parallel guesses with a limit of 3").isEqualTo(3);
  }
}
