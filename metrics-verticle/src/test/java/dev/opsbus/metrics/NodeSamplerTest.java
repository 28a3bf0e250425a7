package dev.opsbus.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeSamplerTest {

  private static final String STATUS = "Name:\tjava\nVmPeak:\t 9000000 kB\nVmRSS:\t  204800 kB\nThreads:\t42\n";
  private static final String MEMINFO = "MemTotal:       16384000 kB\nMemFree:          512000 kB\n"
      + "MemAvailable:    8192000 kB\nBuffers:          100000 kB\n";

  @Test
  void readsKilobyteValuesByKeyFromProcText() {
    assertThat(NodeSampler.kilobytes(STATUS, "VmRSS")).hasValue(204800);
    assertThat(NodeSampler.kilobytes(MEMINFO, "MemAvailable")).hasValue(8192000);
    assertThat(NodeSampler.kilobytes(MEMINFO, "MemTotal")).hasValue(16384000);
  }

  @Test
  void aMissingKeyReadsAsAbsentNotAsZero() {
    assertThat(NodeSampler.kilobytes(STATUS, "VmSwap")).isEmpty();
    assertThat(NodeSampler.kilobytes("VmRSS:\tlots kB\n", "VmRSS")).isEmpty();
  }

  @Test
  void aNegativeLoadFromTheFirstMxBeanReadingIsReportedAsZero() {
    assertThat(NodeSampler.percent(-1)).isZero();
    assertThat(NodeSampler.percent(Double.NaN)).isZero();
    assertThat(NodeSampler.percent(0.1234)).isEqualTo(12.3);
    assertThat(NodeSampler.percent(1.5)).isEqualTo(100.0);
  }

  @Test
  void readsRssAndSystemMemoryFromTheGivenProcFiles(@TempDir Path dir) throws IOException {
    Path status = Files.writeString(dir.resolve("status"), STATUS);
    Path meminfo = Files.writeString(dir.resolve("meminfo"), MEMINFO);
    HostReadings r = new NodeSampler(status, meminfo).read();
    assertThat(r.rssMb()).isEqualTo(200);
    assertThat(r.systemMemoryTotalMb()).isEqualTo(16000);
    assertThat(r.systemMemoryAvailableMb()).isEqualTo(8000);
  }

  @Test
  void withoutProcFilesRssIsZeroAndSystemMemoryComesFromTheJvm(@TempDir Path dir) {
    HostReadings r = new NodeSampler(dir.resolve("no-status"), dir.resolve("no-meminfo")).read();
    assertThat(r.rssMb()).isZero();
    assertThat(r.systemMemoryTotalMb()).isPositive();
    assertThat(r.heapUsedMb()).isPositive();
    assertThat(r.processors()).isGreaterThanOrEqualTo(1);
  }
}
