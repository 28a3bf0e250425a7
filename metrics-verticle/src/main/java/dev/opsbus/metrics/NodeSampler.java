package dev.opsbus.metrics;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads this process's and this machine's CPU and memory. {@link #read()} reads files under /proc,
 * so it blocks: call it on a worker thread, never on an event loop.
 */
final class NodeSampler {

  private static final Logger LOG = LoggerFactory.getLogger(NodeSampler.class);
  private static final long KB_PER_MB = 1024;
  private static final long BYTES_PER_MB = 1024 * 1024;

  private final Path procSelfStatus;
  private final Path procMeminfo;
  private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
  private final com.sun.management.OperatingSystemMXBean os;
  // written and read on worker threads; volatile so a warning is logged once, not once per sample
  private volatile boolean rssWarned;
  private volatile boolean meminfoWarned;

  NodeSampler() {
    this(Path.of("/proc/self/status"), Path.of("/proc/meminfo"));
  }

  NodeSampler(Path procSelfStatus, Path procMeminfo) {
    this.procSelfStatus = procSelfStatus;
    this.procMeminfo = procMeminfo;
    // the com.sun.management bean is what HotSpot and OpenJ9 return; without it CPU reads as 0
    this.os = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean bean
        ? bean : null;
  }

  /** Blocking. */
  HostReadings read() {
    MemoryUsage heap = memory.getHeapMemoryUsage();
    // max is -1 when the heap has no limit; committed is then the honest ceiling
    long heapMax = heap.getMax() > 0 ? heap.getMax() : heap.getCommitted();

    long rssMb = readRssMb();
    long[] systemMemory = readSystemMemoryMb();

    return new HostReadings(
        percent(os == null ? -1 : os.getProcessCpuLoad()),
        percent(os == null ? -1 : os.getCpuLoad()),
        Runtime.getRuntime().availableProcessors(),
        heap.getUsed() / BYTES_PER_MB,
        heapMax / BYTES_PER_MB,
        rssMb,
        systemMemory[0],
        systemMemory[1]);
  }

  /** The MXBean gives a 0..1 load, negative while it has no reading yet (the first call): report 0. */
  static double percent(double load) {
    if (Double.isNaN(load) || load < 0) {
      return 0;
    }
    return Math.round(Math.min(load, 1.0) * 1000) / 10.0;
  }

  private long readRssMb() {
    try {
      OptionalLong kb = kilobytes(Files.readString(procSelfStatus), "VmRSS");
      if (kb.isPresent()) {
        return kb.getAsLong() / KB_PER_MB;
      }
      warnRssOnce("it has no VmRSS line");
    } catch (IOException | RuntimeException e) {
      warnRssOnce(e.toString());
    }
    return 0;
  }

  private void warnRssOnce(String why) {
    if (!rssWarned) {
      rssWarned = true;
      LOG.warn("metrics: cannot read process RSS from {} ({}); reporting rssMb=0", procSelfStatus, why);
    }
  }

  /**
   * Total and available memory from /proc/meminfo, which counts reclaimable page cache as available
   * (MemFree does not). Without it, the MXBean's total and free sizes are the nearest we have.
   */
  private long[] readSystemMemoryMb() {
    try {
      String text = Files.readString(procMeminfo);
      OptionalLong total = kilobytes(text, "MemTotal");
      OptionalLong available = kilobytes(text, "MemAvailable");
      if (total.isPresent() && available.isPresent()) {
        return new long[] {total.getAsLong() / KB_PER_MB, available.getAsLong() / KB_PER_MB};
      }
      warnMeminfoOnce("it has no MemTotal/MemAvailable lines");
    } catch (IOException | RuntimeException e) {
      warnMeminfoOnce(e.toString());
    }
    if (os == null) {
      return new long[] {0, 0};
    }
    return new long[] {os.getTotalMemorySize() / BYTES_PER_MB, os.getFreeMemorySize() / BYTES_PER_MB};
  }

  private void warnMeminfoOnce(String why) {
    if (!meminfoWarned) {
      meminfoWarned = true;
      LOG.warn("metrics: cannot read {} ({}); using the JVM's view of system memory", procMeminfo, why);
    }
  }

  /** The value of a {@code Key:   1234 kB} line of a /proc file, in kB. */
  static OptionalLong kilobytes(String procText, String key) {
    String prefix = key + ":";
    for (String line : procText.split("\n")) {
      if (line.startsWith(prefix)) {
        String[] parts = line.substring(prefix.length()).trim().split("\\s+");
        try {
          return OptionalLong.of(Long.parseLong(parts[0]));
        } catch (NumberFormatException e) {
          return OptionalLong.empty();
        }
      }
    }
    return OptionalLong.empty();
  }
}
