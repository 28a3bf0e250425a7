package dev.opsbus.ssh.exec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.connection.channel.direct.Session;

/**
 * One remote command whose process id the relay knows, so that it can be stopped for real: closing
 * an SSH channel does not kill what runs behind it. The command is wrapped as
 * {@code echo <marker>$$ >&2; exec /bin/sh -c '<script>'}, so the first stderr line carries the
 * pid of the shell that becomes the command. {@link #killTree} then sends TERM, and KILL to what
 * is left after two seconds, to that process and all its descendants over a second channel.
 * Blocking throughout: worker threads only. Assumes a POSIX login shell on the host.
 */
public final class RemoteProcess implements AutoCloseable {

  /** Longer lines are cut into pieces of this many bytes, so one line never becomes a huge message. */
  public static final int MAX_LINE_BYTES = 16 * 1024;

  private static final SecureRandom RANDOM = new SecureRandom();

  /**
   * Stops {@code $1} and its descendants: STOP, TERM, CONT, then up to 2 s for them to go (zombies count as
   * gone), then KILL. Finds descendants with ps and awk; without ps it stops the process alone.
   */
  private static final String KILL_TREE = String.join("\n",
      "p=\"$1\"",
      "pids=$(ps -e -o pid= -o ppid= 2>/dev/null | awk -v r=\"$p\" '{ up[$1] = $2 } END { d[r] = 1; n = 1; "
          + "while (n) { n = 0; for (k in up) if (!(k in d) && (up[k] in d)) { d[k] = 1; n = 1 } } for (k in d) print k }')",
      "[ -n \"$pids\" ] || pids=\"$p\"",
      "alive() { s=$(ps -o stat= -p \"$1\" 2>/dev/null) || { kill -0 \"$1\" 2>/dev/null; return; }; "
          + "case \"$s\" in ''|Z*) return 1;; esac; return 0; }",
      // frozen first, so no member of the tree runs on (or forks) between the signals
      "kill -STOP $pids 2>/dev/null",
      "kill -TERM $pids 2>/dev/null",
      "kill -CONT $pids 2>/dev/null",
      "i=0",
      "while [ $i -lt 20 ]; do",
      "  left=''",
      "  for q in $pids; do alive \"$q\" && left=\"$left $q\"; done",
      "  [ -z \"$left\" ] && exit 0",
      "  sleep 0.1 2>/dev/null || sleep 1",
      "  i=$((i+1))",
      "done",
      "kill -KILL $left 2>/dev/null",
      "exit 0");

  private final Session session;
  private final Session.Command command;
  private final String marker;
  private final CountDownLatch pidKnown = new CountDownLatch(1);
  private volatile long pid = -1;

  private RemoteProcess(Session session, Session.Command command, String marker) {
    this.session = session;
    this.command = command;
    this.marker = marker;
  }

  /** Starts {@code script} (a shell command line, values already quoted) on a new channel. */
  public static RemoteProcess start(SSHClient ssh, String script) throws IOException {
    return start(ssh, script, null);
  }

  /**
   * Starts {@code script} with {@code OPSBUS_EXEC=<tag>} in its environment (inherited by every
   * process it starts), so that {@link RemoteFence} can find what is left of it on the host later,
   * over any connection, even after the relay that started it is gone.
   */
  public static RemoteProcess start(SSHClient ssh, String script, String tag) throws IOException {
    String marker = "OPSBUS_PID_" + HexFormat.of().formatHex(randomBytes()) + ":";
    String env = tag == null ? "" : RemoteFence.VARIABLE + "=" + ShellQuote.quote(tag) + "; export " + RemoteFence.VARIABLE + "; ";
    Session session = ssh.startSession();
    try {
      Session.Command cmd = session.exec(env + "echo " + marker + "$$ >&2; exec /bin/sh -c " + ShellQuote.quote(script));
      cmd.getOutputStream().close();
      return new RemoteProcess(session, cmd, marker);
    } catch (IOException | RuntimeException e) {
      session.close();
      throw e;
    }
  }

  private static byte[] randomBytes() {
    byte[] b = new byte[8];
    RANDOM.nextBytes(b);
    return b;
  }

  /** Reads stdout to its end, one call per line. */
  public void pumpStdout(Consumer<String> line) throws IOException {
    pump(command.getInputStream(), (l, end) -> line.accept(l));
  }

  /**
   * Like {@link #pumpStdout}, with each line the number of stdout bytes read through its end
   * (its newline included): what a log tail remembers to resume at the same byte.
   */
  public void pumpStdoutCounting(java.util.function.ObjLongConsumer<String> line) throws IOException {
    pump(command.getInputStream(), line);
  }

  /** Reads stderr to its end, one call per line; the pid line is taken out, never passed on. */
  public void pumpStderr(Consumer<String> line) throws IOException {
    try {
      pump(command.getErrorStream(), (l, end) -> {
        if (pid < 0 && l.startsWith(marker)) {
          try {
            pid = Long.parseLong(l.substring(marker.length()).trim());
          } catch (NumberFormatException e) {
            pid = 0;
          }
          pidKnown.countDown();
        } else {
          line.accept(l);
        }
      });
    } finally {
      pidKnown.countDown();
    }
  }

  /**
   * For a script whose own stderr goes elsewhere ({@code 2>/dev/null}): reads the pid line from
   * stderr directly instead of pumping it. Blocks until the line arrives.
   */
  public long readPid() throws IOException {
    InputStream err = command.getErrorStream();
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b; (b = err.read()) != -1 && b != '\n' && line.size() < 256; ) {
      line.write(b);
    }
    String l = line.toString(StandardCharsets.UTF_8);
    if (l.startsWith(marker)) {
      try {
        pid = Long.parseLong(l.substring(marker.length()).trim());
      } catch (NumberFormatException e) {
        pid = 0;
      }
    }
    pidKnown.countDown();
    return pid;
  }

  /** The remote pid, waiting up to {@code ms} for it; -1 or 0 when unknown. */
  public long awaitPid(long ms) throws InterruptedException {
    pidKnown.await(ms, TimeUnit.MILLISECONDS);
    return pid;
  }

  /** Waits for the exit status after the streams ended; null when the command gave none (a signal). */
  public Integer exitStatus(long ms) {
    try {
      command.join(ms, TimeUnit.MILLISECONDS);
    } catch (IOException e) {
      return null;
    }
    return command.getExitStatus();
  }

  /** The signal that ended the command, when the server reported one. */
  public String exitSignal() {
    return command.getExitSignal() == null ? null : command.getExitSignal().name();
  }

  /** Stops remote {@code pid} and its descendants over a new channel of {@code ssh}; waits up to {@code ms}. */
  public static void killTree(SSHClient ssh, long pid, long ms) throws IOException {
    if (pid <= 1) {
      return;
    }
    try (Session s = ssh.startSession()) {
      Session.Command c = s.exec("/bin/sh -c " + ShellQuote.quote(KILL_TREE) + " opsbus-kill " + pid);
      c.getOutputStream().close();
      c.join(ms, TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public void close() {
    try {
      command.close();
    } catch (IOException ignored) {
      // already closed by the server
    }
    try {
      session.close();
    } catch (IOException ignored) {
      // already closed by the server
    }
  }

  private static void pump(InputStream in, java.util.function.ObjLongConsumer<String> sink) throws IOException {
    byte[] buf = new byte[8192];
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    long before = 0;
    int n;
    while ((n = in.read(buf)) != -1) {
      int start = 0;
      for (int i = 0; i < n; i++) {
        if (buf[i] == '\n') {
          line.write(buf, start, i - start);
          emit(line, sink, before + i + 1);
          start = i + 1;
        } else if (line.size() + (i - start) >= MAX_LINE_BYTES) {
          line.write(buf, start, i - start);
          emit(line, sink, before + i);
          start = i;
        }
      }
      line.write(buf, start, n - start);
      before += n;
    }
    if (line.size() > 0) {
      emit(line, sink, before);
    }
  }

  private static void emit(ByteArrayOutputStream line, java.util.function.ObjLongConsumer<String> sink, long end) {
    byte[] b = line.toByteArray();
    int len = b.length;
    if (len > 0 && b[len - 1] == '\r') {
      len--;
    }
    line.reset();
    sink.accept(new String(b, 0, len, StandardCharsets.UTF_8), end);
  }
}
