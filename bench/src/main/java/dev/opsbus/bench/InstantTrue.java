package dev.opsbus.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;

/**
 * The bench hosts' {@code true}, answered inside the bench SSH server (its {@code --in-process-true}):
 * for the command line the opsbus relay sends for an operation whose script is {@code true} (an
 * optional {@code OPSBUS_EXEC} tag, {@code echo <marker>$$ >&2}, {@code exec /bin/sh -c 'true'}), it
 * writes what the shell would (the marker and a pid, on stderr) and exits 0, without a process.
 *
 * <p>Why: on a two-core machine the fleet's hosts share the generator's core, and each {@code true}
 * as a process (a spawn helper, a shell, the JVM's process reaper) took about three quarters of that
 * core, so the generator, not the node, set the operations scenario's limit. The fleet's hosts are
 * other machines; the SSH protocol of each command (session, channel, exec, exit status, close)
 * still runs for real. Every other command line runs as a process, as on any host.
 */
final class InstantTrue implements Command {

  /** What the relay sends for {@code true} (see the relay's {@code RemoteProcess.start}). */
  private static final Pattern WRAPPED_TRUE = Pattern.compile(
      "(?:OPSBUS_EXEC='[^']*'; export OPSBUS_EXEC; )?echo (OPSBUS_PID_[0-9a-f]+:)\\$\\$ >&2; exec /bin/sh -c '?true'?");

  private static final AtomicLong PIDS = new AtomicLong(100_000);
  private static final AtomicLong ANSWERED = new AtomicLong();
  private static final ExecutorService EXITS = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "bench-ssh-instant-true");
    t.setDaemon(true);
    return t;
  });

  /** The factory: an {@code InstantTrue} for the relay's {@code true}, null (a process) for anything else. */
  static Function<String, Command> commands() {
    return line -> {
      Matcher m = WRAPPED_TRUE.matcher(line);
      return m.matches() ? new InstantTrue(m.group(1)) : null;
    };
  }

  /** Commands answered in-process so far (in this JVM). */
  static long answered() {
    return ANSWERED.get();
  }

  private final String marker;
  private OutputStream err;
  private OutputStream out;
  private ExitCallback exit;

  private InstantTrue(String marker) {
    this.marker = marker;
  }

  @Override
  public void setInputStream(InputStream in) {
    // true reads nothing
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
    this.exit = callback;
  }

  @Override
  public void start(ChannelSession channel, Environment env) {
    // after start returns (the exec request is answered first, as with a process)
    EXITS.execute(() -> {
      try {
        err.write((marker + PIDS.incrementAndGet() + "\n").getBytes(StandardCharsets.US_ASCII));
        err.flush();
        out.flush();
        ANSWERED.incrementAndGet();
        exit.onExit(0);
      } catch (IOException e) {
        exit.onExit(1, "bench true: " + e.getMessage());
      }
    });
  }

  @Override
  public void destroy(ChannelSession channel) {
    // nothing runs
  }
}
