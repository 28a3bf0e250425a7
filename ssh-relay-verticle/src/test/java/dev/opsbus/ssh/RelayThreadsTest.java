package dev.opsbus.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The relay's one pool of long-lived threads: named for their work, capped, and stopped with the relay. */
class RelayThreadsTest {

  @Test
  void aThreadIsNamedForWhatItDoes() throws Exception {
    RelayThreads threads = new RelayThreads(4);
    try {
      assertThat(nameWhileRunning(threads, RelayThreads.Kind.EXEC)).isEqualTo("opsbus-relay-exec-1");
      assertThat(nameWhileRunning(threads, RelayThreads.Kind.EXEC)).isEqualTo("opsbus-relay-exec-2");
      assertThat(nameWhileRunning(threads, RelayThreads.Kind.TERMINAL)).isEqualTo("opsbus-relay-terminal-1");
    } finally {
      threads.shutdown();
    }
  }

  private static String nameWhileRunning(RelayThreads threads, RelayThreads.Kind kind) throws InterruptedException {
    AtomicReference<String> name = new AtomicReference<>();
    CountDownLatch ran = new CountDownLatch(1);
    threads.start(kind, () -> {
      name.set(Thread.currentThread().getName());
      ran.countDown();
    });
    assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
    return name.get();
  }

  @Test
  void pastTheCapATaskIsRefusedAsUnavailableNotQueued() throws Exception {
    RelayThreads threads = new RelayThreads(2);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch started = new CountDownLatch(2);
    try {
      for (int i = 0; i < 2; i++) {
        threads.start(RelayThreads.Kind.TAIL, () -> {
          started.countDown();
          awaitQuietly(release);
        });
      }
      assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
      assertThatThrownBy(() -> threads.start(RelayThreads.Kind.EXEC, () -> { }))
          .isInstanceOfSatisfying(OpsbusException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE))
          .hasMessageContaining("2 threads busy");
    } finally {
      release.countDown();
      threads.shutdown();
    }
  }

  @Test
  void shutdownInterruptsWhatStillRunsAndRefusesNewWork() throws Exception {
    RelayThreads threads = new RelayThreads(2);
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch interrupted = new CountDownLatch(1);
    threads.start(RelayThreads.Kind.TERMINAL, () -> {
      started.countDown();
      try {
        new CountDownLatch(1).await();
      } catch (InterruptedException e) {
        interrupted.countDown();
      }
    });
    assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
    threads.shutdown();
    assertThat(interrupted.await(5, TimeUnit.SECONDS)).as("the blocked reader was interrupted").isTrue();
    assertThatThrownBy(() -> threads.start(RelayThreads.Kind.EXEC, () -> { }))
        .isInstanceOfSatisfying(OpsbusException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE))
        .hasMessageContaining("stopping");
  }

  @Test
  void theRelaysCapCoversItsCommandsTerminalsAndTails() {
    SshRelayConfig c = SshRelayConfig.defaults("n1", null, java.nio.file.Path.of("."));
    RelayThreads threads = RelayThreads.forRelay(c, 256);
    try {
      assertThat(threads.maxThreads()).isEqualTo(3 * 256 + c.maxSessionsPerNode() + RelayThreads.TAIL_BUDGET);
    } finally {
      threads.shutdown();
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
