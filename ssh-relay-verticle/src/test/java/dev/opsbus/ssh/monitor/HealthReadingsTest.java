package dev.opsbus.ssh.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HealthReadingsTest {

  private static final String SEP = HealthReadings.SEPARATOR;

  @Test
  void readsModernFreeWithAnAvailableColumn() {
    HealthReadings r = HealthReadings.parse("0.52 0.40 0.31 1/123 4567\n" + SEP + "\n"
        + "               total        used        free      shared  buff/cache   available\n"
        + "Mem:           24105        1603       22068           8         689       22501\n"
        + "Swap:              0           0           0\n" + SEP + "\n"
        + "Filesystem     1024-blocks     Used Available Capacity Mounted on\n"
        + "/dev/vda         264212084 23242032  83148880      22% /\n");
    assertThat(r).isEqualTo(new HealthReadings(0.52, 0.40, 0.31, 24105L, 24105L - 22501L, 22));
  }

  @Test
  void readsOldFreeAndMeminfoAndToleratesMissingSections() {
    HealthReadings old = HealthReadings.parse("1 2 3\n" + SEP + "\n"
        + "             total       used       free     shared    buffers     cached\n"
        + "Mem:          2000       1900        100          0         50        850\n"
        + "-/+ buffers/cache:       1000       1000\n" + SEP + "\n");
    assertThat(old).isEqualTo(new HealthReadings(1.0, 2.0, 3.0, 2000L, 1000L, null));

    HealthReadings meminfo = HealthReadings.parse(SEP + "\nMemTotal:  2048000 kB\nMemFree: 100 kB\nMemAvailable: 1024000 kB\n" + SEP
        + "\nFilesystem 512-blocks Used Available Capacity Mounted on\n/dev/disk1s1 100 95 5 95% /\n");
    assertThat(meminfo).isEqualTo(new HealthReadings(null, null, null, 2000L, 1000L, 95));

    assertThat(HealthReadings.parse("")).isEqualTo(HealthReadings.NONE);
    assertThat(HealthReadings.parse("garbage\n" + SEP + "\nMem: x y\n" + SEP + "\n-%")).isEqualTo(HealthReadings.NONE);
  }
}
