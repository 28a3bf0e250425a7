package dev.opsbus.ssh;

import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every thread the relay starts for blocking SSH work that lasts: a running command and its stderr
 * pump, a terminal's shell reader, a log tail, and the kill of a remote process tree. Short sshj
 * calls (connect, a write, a resize) stay on Vert.x worker threads.
 *
 * <p>One pool, threads reused and named {@code opsbus-relay-<kind>-<n>} while they work, so a
 * thread dump says what each one does. These tasks block for as long as their command, shell or
 * tail lives, so nothing waits in a queue: a task starts on a thread at once or is refused with
 * {@code unavailable} once {@link #maxThreads()} are busy. {@link #forRelay} sizes the cap from the
 * relay's own limits, so it is only reached when something leaks or a host has an unusual number
 * of log tails. {@link #shutdown()} interrupts whatever still runs when the relay stops.
 */
public final class RelayThreads {

  /** What a thread does; part of its name. */
  public enum Kind {
    EXEC, STDERR, KILL, TERMINAL, TAIL;

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * Log tails one relay runs at once (hosts x configured logs). Commands and terminals have their
   * own limits ({@code MAX_RUNNING}, {@code maxSessionsPerNode}); tails have none, so this budget is theirs.
   */
  public static final int TAIL_BUDGET = 256;
  /** Threads a running command may hold at once: itself, its stderr pump and its kill. */
  public static final int THREADS_PER_COMMAND = 3;

  private static final Logger LOG = LoggerFactory.getLogger(RelayThreads.class);
  private static final long IDLE_KEEP_SECONDS = 30;

  private final ThreadPoolExecutor pool;
  private final Map<Kind, AtomicLong> started = new EnumMap<>(Kind.class);
  private final AtomicInteger created = new AtomicInteger();

  /** @param maxThreads threads busy at once; a task beyond them is refused, never queued */
  public RelayThreads(int maxThreads) {
    if (maxThreads < 1) {
      throw new IllegalArgumentException("maxThreads must be at least 1");
    }
    for (Kind k : Kind.values()) {
      started.put(k, new AtomicLong());
    }
    pool = new ThreadPoolExecutor(0, maxThreads, IDLE_KEEP_SECONDS, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
      Thread t = new Thread(r, idleName(created.incrementAndGet()));
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Sized for a relay with these limits: {@value #THREADS_PER_COMMAND} per command it may run at
   * once ({@code maxRunningCommands}), one per terminal it may hold, and {@value #TAIL_BUDGET} for log tails.
   */
  public static RelayThreads forRelay(SshRelayConfig config, int maxRunningCommands) {
    return new RelayThreads(THREADS_PER_COMMAND * maxRunningCommands + config.maxSessionsPerNode() + TAIL_BUDGET);
  }

  public int maxThreads() {
    return pool.getMaximumPoolSize();
  }

  /** Threads working now. */
  public int busy() {
    return pool.getActiveCount();
  }

  /**
   * Runs {@code task} on a relay thread named for {@code kind}.
   *
   * @throws OpsbusException {@code unavailable} when every thread is busy or the relay is stopping
   */
  public void start(Kind kind, Runnable task) {
    String name = "opsbus-relay-" + kind.label() + "-" + started.get(kind).incrementAndGet();
    try {
      pool.execute(() -> {
        Thread self = Thread.currentThread();
        String idle = self.getName();
        self.setName(name);
        try {
          task.run();
        } catch (RuntimeException e) {
          LOG.error("relay thread {} failed", name, e);
        } finally {
          Thread.interrupted();
          self.setName(idle);
        }
      });
    } catch (RejectedExecutionException e) {
      throw new OpsbusException(ErrorCode.UNAVAILABLE, pool.isShutdown() ? "the ssh relay is stopping"
          : "the ssh relay has all of its " + maxThreads() + " threads busy; try again later");
    }
  }

  /** Interrupts every task still running and takes no new one. */
  public void shutdown() {
    pool.shutdownNow();
  }

  private static String idleName(int n) {
    return "opsbus-relay-idle-" + n;
  }
}
