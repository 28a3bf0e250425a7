package dev.opsbus.ssh.monitor;

import dev.opsbus.model.OpsbusException;
import dev.opsbus.ssh.HostDirectory;
import dev.opsbus.ssh.RelayThreads;
import dev.opsbus.ssh.SshConnector;
import dev.opsbus.ssh.SshTarget;
import dev.opsbus.ssh.exec.RemoteProcess;
import dev.opsbus.ssh.exec.ShellQuote;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import net.schmizz.sshj.SSHClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code tail -F <path>} on a host, started at the end of the file or, when {@link TailPositions}
 * remembers where the previous owner's published lines ended (same file, not shrunk), at that byte, on its own thread, restarted with backoff when it
 * dies, its lines batched onto {@code logs.host.<hostId>.<stream>} by a {@link LogBatcher} (at most
 * {@link #MAX_LINES} lines per message, a line waits at most about {@link #MAX_WAIT_MS} ms). On stop
 * the remote tail is killed, not just its channel closed.
 */
final class LogTail {

  static final int MAX_LINES = LogBatcher.MAX_LINES;
  static final long MAX_WAIT_MS = LogBatcher.MAX_WAIT_MS;
  /** Lines waiting for the event loop beyond this are dropped (oldest first) and counted. */
  static final int MAX_PENDING = LogBatcher.MAX_PENDING;
  static final long MIN_BACKOFF_MS = 1_000;
  static final long MAX_BACKOFF_MS = 30_000;
  /** A tail that ran this long before dying starts again from the smallest backoff. */
  static final long HEALTHY_RUN_MS = 60_000;

  private static final Logger LOG = LoggerFactory.getLogger(LogTail.class);

  private final Vertx vertx;
  private final Context context;
  private final HostDirectory hosts;
  private final SshConnector connector;
  private final RelayThreads threads;
  private final String hostId;
  private final HostDirectory.LogSpec spec;
  private final LogBatcher batcher;
  private final long lookupTimeoutMs;

  private final AtomicBoolean stopped = new AtomicBoolean();
  private final CountDownLatch stopSignal = new CountDownLatch(1);
  private final CompletableFuture<Void> ended = new CompletableFuture<>();
  private volatile SSHClient ssh;
  private volatile RemoteProcess proc;
  private final String address;
  private final TailPositions positions;
  private final long[] seq;
  /** End offsets of lines handed to the batcher and not yet published, oldest first. */
  private final java.util.concurrent.ConcurrentLinkedDeque<Long> pendingEnds = new java.util.concurrent.ConcurrentLinkedDeque<>();
  /** Tail thread: where the next run resumes (the end of the last line read); null: ask {@link TailPositions}. */
  private TailPositions.Position resumeAt;
  private volatile String inode = "";
  private long startOffset;
  private long headerBytes;

  /**
   * @param seq the last {@code seq} published on this address (event loop only), kept by the owner
   *     so a restarted tail continues the sequence; a resumed position raises it
   * @param history where each published batch is kept for replay to new subscribers; null: nowhere
   */
  LogTail(Vertx vertx, Context context, HostDirectory hosts, SshConnector connector, RelayThreads threads, String hostId,
      HostDirectory.LogSpec spec, String address, long[] seq, TailPositions positions, long lookupTimeoutMs, LogHistory history) {
    this.vertx = vertx;
    this.context = context;
    this.hosts = hosts;
    this.connector = connector;
    this.threads = threads;
    this.hostId = hostId;
    this.spec = spec;
    this.address = address;
    this.positions = positions;
    this.seq = seq;
    this.batcher = new LogBatcher(vertx, context, address, hostId, spec.stream(), () -> ++seq[0], MAX_LINES, MAX_WAIT_MS,
        MAX_PENDING);
    this.batcher.onPublished(this::published);
    if (history != null) {
      this.batcher.onMessage(m -> history.published(address, m));
    }
    this.lookupTimeoutMs = lookupTimeoutMs;
  }

  /**
   * Starts the tail on a relay thread.
   *
   * @throws OpsbusException {@code unavailable} when the relay has no thread for it (nothing is left running)
   */
  void start() {
    try {
      threads.start(RelayThreads.Kind.TAIL, this::loop);
    } catch (OpsbusException e) {
      stopped.set(true);
      batcher.stop();
      ended.complete(null);
      throw e;
    }
  }

  /** Kills the remote tail, closes the connection and completes when the thread has ended. */
  Future<Void> stop() {
    if (stopped.compareAndSet(false, true)) {
      stopSignal.countDown();
      try {
        threads.start(RelayThreads.Kind.KILL, this::killRemote);
      } catch (OpsbusException e) {
        // no thread to kill it with: cutting the connection at least ends the tail's thread
        LOG.warn("log tail {}/{}: {}; closing its connection instead of killing the remote tail", hostId, spec.stream(),
            e.getMessage());
        vertx.executeBlocking(() -> {
          closeQuietly();
          return null;
        }, false);
      }
      batcher.stop();
    }
    return Future.fromCompletionStage(ended, context);
  }

  /** Kill thread: ends the remote tail for real (closing the channel would leave it running), then the connection. */
  private void killRemote() {
    RemoteProcess p = proc;
    SSHClient c = ssh;
    if (p != null && c != null) {
      try {
        RemoteProcess.killTree(c, p.awaitPid(1_000), 3_000);
      } catch (IOException | InterruptedException e) {
        LOG.debug("log tail {}/{}: kill failed: {}", hostId, spec.stream(), e.toString());
      }
    }
    closeQuietly();
  }

  // ---------------------------------------------------------------- tail thread

  private void loop() {
    long backoff = MIN_BACKOFF_MS;
    try {
      while (!stopped.get()) {
        long startedAt = System.nanoTime();
        String why = runOnce();
        if (stopped.get()) {
          break;
        }
        if (TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt) > HEALTHY_RUN_MS) {
          backoff = MIN_BACKOFF_MS;
        }
        LOG.info("log tail {}/{} ended ({}); restarting in {} ms", hostId, spec.stream(), why, backoff);
        try {
          if (stopSignal.await(backoff, TimeUnit.MILLISECONDS)) {
            break;
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    } finally {
      closeQuietly();
      ended.complete(null);
    }
  }

  /** One connection and one tail until it ends; returns why it ended. */
  private String runOnce() {
    try {
      SshTarget target = lookup();
      ssh = connector.connect(target);
      if (stopped.get()) {
        return "stopped";
      }
      TailPositions.Position from = resumeAt != null ? resumeAt : remembered();
      proc = RemoteProcess.start(ssh, TailScript.command(spec.path(), from));
      proc.readPid();
      if (stopped.get()) {
        return "stopped";
      }
      LOG.debug("log tail {}/{} following {} from {}", hostId, spec.stream(), spec.path(), from == null ? "its end" : from);
      headerBytes = -1;
      proc.pumpStdoutCounting(this::add);
      return "the remote tail exited";
    } catch (OpsbusException e) {
      return e.code().wireName() + ": " + e.getMessage();
    } catch (IOException e) {
      return "connection lost: " + e.getMessage();
    } catch (RuntimeException e) {
      LOG.warn("log tail {}/{} failed", hostId, spec.stream(), e);
      return "unexpected failure";
    } finally {
      closeQuietly();
    }
  }

  /** Tail thread: the position the cluster remembers for this log (the previous owner's), raising the seq to it. */
  private TailPositions.Position remembered() {
    CompletableFuture<TailPositions.Position> cf = new CompletableFuture<>();
    context.runOnContext(v -> positions.get(address).onComplete(ar -> {
      TailPositions.Position p = ar.succeeded() ? ar.result() : null;
      if (p != null && p.seq() > seq[0]) {
        seq[0] = p.seq();
      }
      cf.complete(p);
    }));
    try {
      return cf.get(lookupTimeoutMs, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** The host's target, fetched on the event loop (the pool lives there) and awaited here. */
  private SshTarget lookup() {
    CompletableFuture<SshTarget> cf = new CompletableFuture<>();
    context.runOnContext(v -> hosts.target(hostId).onComplete(ar -> {
      if (ar.succeeded()) {
        cf.complete(ar.result());
      } else {
        cf.completeExceptionally(ar.cause());
      }
    }));
    try {
      return cf.get(lookupTimeoutMs, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof OpsbusException oe) {
        throw oe;
      }
      throw new IllegalStateException("host lookup failed", e.getCause());
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("host lookup timed out");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted");
    }
  }

  private void closeQuietly() {
    RemoteProcess p = proc;
    proc = null;
    if (p != null) {
      p.close();
    }
    SSHClient c = ssh;
    ssh = null;
    if (c != null) {
      try {
        c.close();
      } catch (IOException ignored) {
        // gone either way
      }
    }
  }

  // ---------------------------------------------------------------- batching

  /** Tail thread: the script's first line says where it starts; every later one goes to the batcher with its end. */
  private void add(String line, long consumed) {
    if (headerBytes < 0) {
      TailScript.Start start = TailScript.parseHeader(line);
      if (start != null) {
        inode = start.inode();
        startOffset = start.offset();
        headerBytes = consumed;
        resumeAt = new TailPositions.Position(inode, startOffset, 0);
        return;
      }
      headerBytes = 0;
    }
    long end = startOffset + consumed - headerBytes;
    resumeAt = new TailPositions.Position(inode, end, 0);
    pendingEnds.addLast(end);
    batcher.add(line);
  }

  /** Event loop: {@code n} queued lines went out (or were dropped); remember where they end. */
  private void published(long n) {
    Long end = null;
    for (long i = 0; i < n; i++) {
      Long e = pendingEnds.pollFirst();
      if (e != null) {
        end = e;
      }
    }
    if (end != null && !stopped.get()) {
      positions.save(address, new TailPositions.Position(inode, end, seq[0]));
    }
  }
}
