package dev.opsbus.demohost;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a shell and an exec share: an OS process whose streams are copied to and from the channel on
 * the server's I/O threads, whose exit status closes the channel, and which is killed (with its
 * descendants) when the channel closes first.
 */
abstract class ProcessCommand implements Command {

  private static final Logger LOG = LoggerFactory.getLogger(ProcessCommand.class);

  /** After the process exits, how long its output may still drain (a background child can hold it open). */
  static final long DRAIN_MILLIS = 2_000;

  private final ExecutorService io;
  private final AtomicBoolean finished = new AtomicBoolean();
  protected InputStream in;
  protected OutputStream out;
  protected OutputStream err;
  private ExitCallback exitCallback;
  private volatile Process process;
  private volatile String who = "?";

  /** Whether the process outlives its channel (OpenSSH's way for commands without a terminal). */
  private final boolean keepOnDisconnect;

  ProcessCommand(ExecutorService io) {
    this(io, false);
  }

  ProcessCommand(ExecutorService io, boolean keepOnDisconnect) {
    this.io = io;
    this.keepOnDisconnect = keepOnDisconnect;
  }

  @Override
  public void setInputStream(InputStream in) {
    this.in = in;
  }

  @Override
  public void setOutputStream(OutputStream out) {
    this.out = out;
  }

  @Override
  public void setErrorStream(OutputStream err) {
    this.err = err;
  }

  @Override
  public void setExitCallback(ExitCallback callback) {
    this.exitCallback = callback;
  }

  /** Starts the OS process for this channel. */
  protected abstract Process launch(ChannelSession channel, Environment env) throws IOException;

  /** Output streams of the process paired with the channel stream each one goes to. */
  protected abstract List<CompletableFuture<Void>> pumpOutput(Process p);

  /** What to do with the process's stdin when the client sends EOF. */
  protected abstract void clientEof(Process p) throws IOException;

  @Override
  public void start(ChannelSession channel, Environment env) throws IOException {
    who = channel.getSession().getUsername() + "@" + channel.getSession().getRemoteAddress();
    Process p = launch(channel, env);
    process = p;
    List<CompletableFuture<Void>> outputs = pumpOutput(p);
    io.execute(() -> copyInput(p));
    io.execute(() -> awaitExit(p, CompletableFuture.allOf(outputs.toArray(CompletableFuture[]::new))));
  }

  protected CompletableFuture<Void> pump(InputStream from, OutputStream to) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    io.execute(() -> {
      byte[] buf = new byte[8192];
      try {
        for (int n; (n = from.read(buf)) >= 0; ) {
          if (n > 0) {
            to.write(buf, 0, n);
            to.flush();
          }
        }
      } catch (IOException e) {
        // the process ended (a pty reports EIO) or the channel closed: either way this copy is over
      } finally {
        done.complete(null);
      }
    });
    return done;
  }

  private void copyInput(Process p) {
    byte[] buf = new byte[8192];
    try {
      OutputStream stdin = p.getOutputStream();
      for (int n; (n = in.read(buf)) >= 0; ) {
        if (n > 0) {
          stdin.write(buf, 0, n);
          stdin.flush();
        }
      }
      clientEof(p);
    } catch (IOException e) {
      // the process is gone or the channel closed
    }
  }

  private void awaitExit(Process p, CompletableFuture<Void> outputDone) {
    int status;
    try {
      status = p.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    try {
      outputDone.get(DRAIN_MILLIS, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      // output still held open by a child after the drain period: report the exit anyway
    }
    if (finished.compareAndSet(false, true)) {
      LOG.debug("{} for {} exited with status {}", describe(), who, status);
      exitCallback.onExit(status);
    }
  }

  /** The channel closed: kill what is still running, children first so none is orphaned. */
  @Override
  public void destroy(ChannelSession channel) {
    finished.set(true);
    Process p = process;
    if (p == null || !p.isAlive()) {
      return;
    }
    if (keepOnDisconnect) {
      LOG.debug("{} for {} left running as its channel closed", describe(), who);
      return;
    }
    kill(p);
    LOG.debug("{} for {} killed as its channel closed", describe(), who);
  }

  static void kill(Process p) {
    ProcessHandle handle;
    try {
      handle = ProcessHandle.of(p.pid()).orElse(null);
    } catch (UnsupportedOperationException e) {
      handle = null;
    }
    if (handle != null) {
      handle.descendants().forEach(ProcessHandle::destroyForcibly);
    }
    p.destroyForcibly();
  }

  protected abstract String describe();
}
