package dev.opsbus.ssh.monitor;

import dev.opsbus.ssh.exec.ShellQuote;

/**
 * The shell script a log tail runs on the host (POSIX sh, GNU or busybox {@code tail}). It prints
 * one header line {@code OPSBUS_TAIL <inode> <offset>}, then follows the file from that byte:
 * the end of the file for a fresh tail; the remembered offset when resuming the same file (same
 * inode, not shorter than the offset); the start of the file when it was replaced or truncated
 * meanwhile (rotated: its new lines are all reported; what the old file got after the last
 * published line is lost). A file that does not exist yet is followed from its first byte once it
 * appears.
 */
final class TailScript {

  static final String HEADER = "OPSBUS_TAIL ";

  /** Where the tail started. */
  record Start(String inode, long offset) {}

  private TailScript() {}

  static String command(String path, TailPositions.Position from) {
    long want = from == null ? -1 : from.offset();
    String inode = from == null ? "" : from.inode();
    return "f=" + ShellQuote.quote(path) + "; want=" + want + "; ino=" + ShellQuote.quote(inode) + "; "
        + "cur=$(ls -di -- \"$f\" 2>/dev/null | awk '{print $1}'); "
        + "size=$(wc -c < \"$f\" 2>/dev/null || echo 0); size=$((size+0)); "
        + "if [ \"$want\" -lt 0 ]; then off=$size; "
        + "elif [ -n \"$cur\" ] && [ \"$cur\" = \"$ino\" ] && [ \"$want\" -le \"$size\" ]; then off=$want; "
        + "else off=0; fi; "
        + "if [ -z \"$cur\" ]; then off=0; fi; "
        + "echo \"" + HEADER + "${cur:--} $off\"; "
        + "exec tail -c +$((off+1)) -F -- \"$f\" 2>/dev/null";
  }

  /** The header line, or null when {@code line} is none. */
  static Start parseHeader(String line) {
    if (!line.startsWith(HEADER)) {
      return null;
    }
    String[] p = line.substring(HEADER.length()).trim().split(" ");
    if (p.length != 2) {
      return null;
    }
    try {
      return new Start("-".equals(p[0]) ? "" : p[0], Long.parseLong(p[1]));
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
