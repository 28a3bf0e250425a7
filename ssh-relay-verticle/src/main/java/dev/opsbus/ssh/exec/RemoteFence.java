package dev.opsbus.ssh.exec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.connection.channel.direct.Session;

/**
 * Stops whatever is left on a host of a command the relay started, found by its tag: every command
 * runs with {@code OPSBUS_EXEC=<execId>} in its environment ({@link RemoteProcess#start(SSHClient, String, String)}),
 * which every process it starts inherits. The fence reads {@code /proc/<pid>/environ} of the login
 * user's processes, so it finds the whole tree even when the shell that started it is gone and its
 * children were re-parented, and it never touches a process that merely reused a pid. TERM, up to
 * two seconds, then KILL; the answer says what it found. Blocking: relay threads only.
 */
public final class RemoteFence {

  /** The environment variable that tags a command's processes. */
  public static final String VARIABLE = "OPSBUS_EXEC";

  /** What the fence found on the host. */
  public enum Outcome {
    /** Processes of the command were running and are gone now. */
    KILLED("killed"),
    /** Nothing of the command runs on the host. */
    GONE("gone"),
    /** The host has no {@code /proc}: nothing can be confirmed. */
    UNSUPPORTED("unsupported"),
    /** Processes of the command were still there after KILL (another user's, or unkillable). */
    LEFT("left");

    private final String wireName;

    Outcome(String wireName) {
      this.wireName = wireName;
    }

    public String wireName() {
      return wireName;
    }

    /** Whether the command is known to run no more. */
    public boolean confirmed() {
      return this == KILLED || this == GONE;
    }
  }

  private static final String SCRIPT = String.join("\n",
      "tag=\"$1\"",
      "[ -r /proc/self/environ ] || { echo unsupported; exit 0; }",
      // one grep over every environment (NUL-separated entries); a grep without -z reads them one by one
      "if printf 'a\\000' | grep -qzxF a 2>/dev/null; then",
      "  scan() { grep -lzxF \"" + VARIABLE + "=$tag\" /proc/[0-9]*/environ 2>/dev/null | sed -n 's|^/proc/\\([0-9]*\\)/environ$|\\1|p' | tr '\\n' ' '; }",
      "else",
      "  scan() { for d in /proc/[0-9]*; do if tr '\\000' '\\n' < \"$d/environ\" 2>/dev/null | grep -qxF \"" + VARIABLE + "=$tag\"; then "
          + "printf '%s ' \"${d#/proc/}\"; fi; done; }",
      "fi",
      "pids=$(scan)",
      "[ -z \"$pids\" ] && { echo gone; exit 0; }",
      "kill -STOP $pids 2>/dev/null; kill -TERM $pids 2>/dev/null; kill -CONT $pids 2>/dev/null",
      "i=0",
      "while [ $i -lt 20 ]; do",
      "  left=$(scan)",
      "  [ -z \"$left\" ] && { echo killed; exit 0; }",
      "  sleep 0.1 2>/dev/null || sleep 1",
      "  i=$((i+1))",
      "done",
      "kill -KILL $left 2>/dev/null",
      "sleep 0.2 2>/dev/null || sleep 1",
      "left=$(scan)",
      "[ -z \"$left\" ] && echo killed || echo left",
      "exit 0");

  private RemoteFence() {
  }

  /** Stops every process tagged {@code tag} on the host {@code ssh} is connected to; waits up to {@code ms}. */
  public static Outcome stop(SSHClient ssh, String tag, long ms) throws IOException {
    try (Session s = ssh.startSession()) {
      Session.Command c = s.exec("/bin/sh -c " + ShellQuote.quote(SCRIPT) + " opsbus-fence " + ShellQuote.quote(tag));
      c.getOutputStream().close();
      String out = read(c.getInputStream());
      c.join(ms, TimeUnit.MILLISECONDS);
      return switch (out.trim()) {
        case "killed" -> Outcome.KILLED;
        case "gone" -> Outcome.GONE;
        case "unsupported" -> Outcome.UNSUPPORTED;
        default -> Outcome.LEFT;
      };
    }
  }

  private static String read(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    byte[] buf = new byte[256];
    int n;
    while ((n = in.read(buf)) > 0 && b.size() < 4096) {
      b.write(buf, 0, n);
    }
    return b.toString(StandardCharsets.UTF_8);
  }
}
