package dev.opsbus.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads CPU time and memory from Linux /proc: a process's utime+stime from /proc/PID/stat, a core's
 * busy and total jiffies from /proc/stat (irq and softirq count as busy), RSS from /proc/PID/status.
 */
public final class ProcStats {

  /** USER_HZ: the unit of /proc times. It is 100 on every Linux ABI a JVM runs on here. */
  public static final long CLOCK_TICKS_PER_SECOND = 100;

  /** Busy and total jiffies of one core, or of all cores when {@code core} is -1. */
  public record CoreTimes(long busy, long total) {
    public double busyFractionSince(CoreTimes earlier) {
      long dt = total - earlier.total;
      return dt <= 0 ? 0 : (double) (busy - earlier.busy) / dt;
    }
  }

  private ProcStats() {
  }

  /** utime + stime of a process in microseconds, or -1 when it cannot be read. */
  public static long processCpuMicros(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      // the command name in parentheses may hold spaces: fields are counted after the last ')'
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
      long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15 of stat
      return ticks * 1_000_000L / CLOCK_TICKS_PER_SECOND;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  public static CoreTimes coreTimes(int core) {
    String prefix = core < 0 ? "cpu " : "cpu" + core + " ";
    try {
      for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
        if (line.startsWith(prefix)) {
          String[] f = line.substring(prefix.length()).trim().split("\\s+");
          long user = l(f, 0), nice = l(f, 1), system = l(f, 2), idle = l(f, 3), iowait = l(f, 4);
          long irq = l(f, 5), softirq = l(f, 6), steal = l(f, 7);
          long busy = user + nice + system + irq + softirq + steal;
          return new CoreTimes(busy, busy + idle + iowait);
        }
      }
    } catch (IOException | RuntimeException e) {
      // fall through: unknown
    }
    return new CoreTimes(0, 0);
  }

  private static long l(String[] f, int i) {
    return i < f.length ? Long.parseLong(f[i]) : 0;
  }

  /** Resident set size in bytes, or -1. */
  public static long rssBytes(long pid) {
    String kb = statusField(pid, "VmRSS:");
    return kb == null ? -1 : Long.parseLong(kb.replace("kB", "").trim()) * 1024;
  }

  /**
   * The single core a process is pinned to (taskset -c N), or -1 when it may run on several.
   */
  public static int pinnedCore(long pid) {
    String list = statusField(pid, "Cpus_allowed_list:");
    if (list == null) {
      return -1;
    }
    try {
      return Integer.parseInt(list.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static String statusField(long pid, String name) {
    try {
      List<String> lines = Files.readAllLines(Path.of("/proc/" + pid + "/status"));
      for (String line : lines) {
        if (line.startsWith(name)) {
          return line.substring(name.length()).trim();
        }
      }
    } catch (IOException e) {
      // process gone or not Linux
    }
    return null;
  }

  public static long selfPid() {
    return ProcessHandle.current().pid();
  }
}
