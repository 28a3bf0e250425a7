package dev.opsbus.gateway.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.PermissionRule.Overflow;
import dev.opsbus.testkit.Await;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Subscribers spread over several event loops (lanes): a published message is handed to each loop
 * once, reaches every subscriber exactly once, on its own loop, in publish order per subscriber,
 * encoded once for all of them; a send reaches exactly one subscriber, on whichever loop.
 */
class SubscriptionLanesTest {

  static final Duration WAIT = Duration.ofSeconds(30);
  static final String ADDRESS = "metrics.node";
  static final int LANES = 4;
  static final int PER_LANE = 25;
  static final int ON_HOME = 10;
  static final int MESSAGES = 200;

  private Vertx vertx;
  private final List<Context> lanes = Collections.synchronizedList(new ArrayList<>());
  private Context home;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(LANES + 1));
    // one verticle instance per loop: their contexts are the lanes (as the gateway's instances would be)
    Await.result(vertx.deployVerticle(() -> new io.vertx.core.VerticleBase() {
      @Override
      public Future<?> start() {
        lanes.add(context);
        return Future.succeededFuture();
      }
    }, new DeploymentOptions().setInstances(LANES)));
    Promise<Context> h = Promise.promise();
    Await.result(vertx.deployVerticle(new io.vertx.core.VerticleBase() {
      @Override
      public Future<?> start() {
        h.complete(context);
        return Future.succeededFuture();
      }
    }));
    home = Await.result(h.future());
  }

  @AfterEach
  void stop() {
    Await.result(vertx.close());
  }

  /** Records what it got and on which thread; delivered on its lane only. */
  static final class Recorder implements Subscriber {
    final Context lane;
    final Thread laneThread;
    final ConcurrentLinkedQueue<Integer> seqs = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<String> wrongThread = new ConcurrentLinkedQueue<>();
    final Set<String> frames;
    final AtomicInteger sends;

    Recorder(Context lane, Thread laneThread, Set<String> frames, AtomicInteger sends) {
      this.lane = lane;
      this.laneThread = laneThread;
      this.frames = frames;
      this.sends = sends;
    }

    @Override
    public Context lane() {
      return lane;
    }

    @Override
    public void deliver(String address, Delivery delivery, Overflow overflow) {
      if (Thread.currentThread() != laneThread) {
        wrongThread.add(Thread.currentThread().getName() + " instead of " + laneThread.getName() + (lane == null ? " (gateway's loop)" : ""));
      }
      if (delivery.message().isSend()) {
        sends.incrementAndGet();
        return;
      }
      synchronized (frames) {
        // identity, not equality: the same String instance for every subscriber means one encoding
        frames.add(delivery.message().body() + "@" + System.identityHashCode(delivery.frame()));
      }
      seqs.add(((JsonObject) delivery.message().body()).getInteger("seq"));
    }
  }

  private Thread threadOf(Context c) {
    Promise<Thread> t = Promise.promise();
    c.runOnContext(v -> t.complete(Thread.currentThread()));
    return Await.result(t.future());
  }

  @Test
  void aPublishReachesEverySubscriberOnItsOwnLoopOnceAndInOrder() {
    assertThat(lanes).hasSize(LANES);
    Set<Thread> loops = new HashSet<>();
    for (Context c : lanes) {
      loops.add(threadOf(c));
    }
    Thread homeThread = threadOf(home);
    loops.add(homeThread);
    assertThat(loops).as("every lane and the gateway on an event loop of its own").hasSize(LANES + 1);

    Set<String> frames = new HashSet<>();
    AtomicInteger sends = new AtomicInteger();
    List<Recorder> all = new ArrayList<>();
    for (Context c : lanes) {
      Thread t = threadOf(c);
      for (int i = 0; i < PER_LANE; i++) {
        all.add(new Recorder(c, t, frames, sends));
      }
    }
    for (int i = 0; i < ON_HOME; i++) {
      all.add(new Recorder(null, homeThread, frames, sends));
    }
    SubscriptionIndex[] index = new SubscriptionIndex[1];
    Promise<Void> subscribed = Promise.promise();
    home.runOnContext(v -> {
      index[0] = new SubscriptionIndex(vertx.eventBus(), a -> Overflow.DISCONNECT);
      List<Future<Void>> each = new ArrayList<>();
      for (Recorder r : all) {
        each.add(index[0].subscribe(ADDRESS, r));
      }
      Future.all(each).<Void>mapEmpty().onComplete(subscribed);
    });
    Await.result(subscribed.future());

    for (int seq = 1; seq <= MESSAGES; seq++) {
      vertx.eventBus().publish(ADDRESS, new JsonObject().put("seq", seq));
    }
    Await.until("every subscriber got every message", WAIT, () -> all.stream().allMatch(r -> r.seqs.size() >= MESSAGES));

    List<Integer> expected = new ArrayList<>();
    for (int seq = 1; seq <= MESSAGES; seq++) {
      expected.add(seq);
    }
    for (Recorder r : all) {
      assertThat(new ArrayList<>(r.seqs)).as("exactly once, in order").isEqualTo(expected);
      assertThat(r.wrongThread).as("delivered on its own loop").isEmpty();
    }
    assertThat(frames).as("one rec frame per message, shared by all %d subscribers on %d loops", all.size(), LANES + 1)
        .hasSize(MESSAGES);

    // a send: exactly one receiver for each, whichever loop it is on; none left on the gateway's loop
    Promise<Void> leftHome = Promise.promise();
    home.runOnContext(v -> {
      for (Recorder r : all) {
        if (r.lane == null) {
          index[0].unsubscribe(ADDRESS, r);
        }
      }
      leftHome.complete();
    });
    Await.result(leftHome.future());
    for (int i = 0; i < 30; i++) {
      vertx.eventBus().send(ADDRESS, new JsonObject().put("send", i));
    }
    Await.until("30 sends taken", WAIT, () -> sends.get() >= 30);
    assertThat(sends.get()).isEqualTo(30);
    for (Recorder r : all) {
      assertThat(r.wrongThread).isEmpty();
    }
  }
}
