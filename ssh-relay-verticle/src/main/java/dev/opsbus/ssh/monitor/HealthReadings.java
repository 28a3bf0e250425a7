package dev.opsbus.ssh.monitor;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Load, memory and root disk use of a host, parsed from the output of {@link #COMMAND}. Every field
 * is null when the host did not report it (no {@code /proc}, no {@code free}, an odd {@code df}),
 * so a host that is not Linux still gets a sample.
 */
public record HealthReadings(Double load1, Double load5, Double load15, Long memTotalMb, Long memUsedMb, Integer diskUsedPercent) {

  static final String SEPARATOR = "@@opsbus-health@@";

  /** One command, three sections: {@code /proc/loadavg}, {@code free -m} (or meminfo), {@code df -P /}. */
  public static final String COMMAND = "LC_ALL=C; export LC_ALL; cat /proc/loadavg 2>/dev/null; echo " + SEPARATOR
      + "; free -m 2>/dev/null || cat /proc/meminfo 2>/dev/null; echo " + SEPARATOR + "; df -P / 2>/dev/null";

  public static final HealthReadings NONE = new HealthReadings(null, null, null, null, null, null);

  /** Memory in use as a percentage of the total, or null. */
  public Double memUsedPercent() {
    return memTotalMb == null || memUsedMb == null || memTotalMb <= 0 ? null : 100.0 * memUsedMb / memTotalMb;
  }

  public static HealthReadings parse(String output) {
    List<List<String>> sections = new ArrayList<>();
    List<String> current = new ArrayList<>();
    for (String line : output.split("\n", -1)) {
      if (line.trim().equals(SEPARATOR)) {
        sections.add(current);
        current = new ArrayList<>();
      } else if (!line.isBlank()) {
        current.add(line.trim());
      }
    }
    sections.add(current);
    while (sections.size() < 3) {
      sections.add(List.of());
    }
    Double[] load = load(sections.get(0));
    Long[] mem = memory(sections.get(1));
    return new HealthReadings(load[0], load[1], load[2], mem[0], mem[1], disk(sections.get(2)));
  }

  private static Double[] load(List<String> lines) {
    Double[] out = new Double[3];
    if (!lines.isEmpty()) {
      String[] t = lines.get(0).split("\\s+");
      for (int i = 0; i < 3 && i < t.length; i++) {
        out[i] = number(t[i]);
      }
    }
    return out;
  }

  /** [totalMb, usedMb]; "used" means total minus available where the host reports available. */
  private static Long[] memory(List<String> lines) {
    Long total = null;
    Long used = null;
    Long available = null;
    Long buffersCacheUsed = null;
    Long memFreeKb = null;
    Long buffersKb = null;
    Long cachedKb = null;
    int availableColumn = -1;
    for (String line : lines) {
      String[] t = line.split("\\s+");
      String lower = line.toLowerCase(Locale.ROOT);
      if (lower.startsWith("total") || (availableColumn < 0 && lower.contains("available") && !lower.contains(":"))) {
        for (int i = 0; i < t.length; i++) {
          if (t[i].toLowerCase(Locale.ROOT).startsWith("avail")) {
            availableColumn = i + 1;
          }
        }
      } else if (t[0].equals("Mem:") && t.length >= 3) {
        total = whole(t[1]);
        used = whole(t[2]);
        if (availableColumn > 0 && availableColumn < t.length) {
          available = whole(t[availableColumn]);
        }
      } else if (t[0].equals("-/+") && t.length >= 4) {
        buffersCacheUsed = whole(t[2]);
      } else if (t[0].equals("MemTotal:") && t.length >= 2) {
        total = kbToMb(whole(t[1]));
      } else if (t[0].equals("MemAvailable:") && t.length >= 2) {
        available = kbToMb(whole(t[1]));
      } else if (t[0].equals("MemFree:") && t.length >= 2) {
        memFreeKb = whole(t[1]);
      } else if (t[0].equals("Buffers:") && t.length >= 2) {
        buffersKb = whole(t[1]);
      } else if (t[0].equals("Cached:") && t.length >= 2) {
        cachedKb = whole(t[1]);
      }
    }
    if (total != null && available != null) {
      used = Math.max(0, total - available);
    } else if (buffersCacheUsed != null) {
      used = buffersCacheUsed;
    } else if (total != null && used == null && memFreeKb != null) {
      long freeish = memFreeKb + (buffersKb == null ? 0 : buffersKb) + (cachedKb == null ? 0 : cachedKb);
      used = Math.max(0, total - kbToMb(freeish));
    }
    return new Long[] {total, total == null ? null : used};
  }

  private static Integer disk(List<String> lines) {
    for (int i = lines.size() - 1; i >= 0; i--) {
      for (String tok : lines.get(i).split("\\s+")) {
        if (tok.endsWith("%") && tok.length() > 1) {
          Long v = whole(tok.substring(0, tok.length() - 1));
          if (v != null && v >= 0 && v <= 100) {
            return v.intValue();
          }
        }
      }
    }
    return null;
  }

  private static Long kbToMb(Long kb) {
    return kb == null ? null : kb / 1024;
  }

  private static Double number(String s) {
    try {
      double d = Double.parseDouble(s);
      return Double.isFinite(d) ? d : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static Long whole(String s) {
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
