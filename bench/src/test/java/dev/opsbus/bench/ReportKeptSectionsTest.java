package dev.opsbus.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A rewritten report keeps the sections marked as kept (run.sh --transports writes one). */
class ReportKeptSectionsTest {

  @Test
  void markedSectionsOfTheOldReportAreKeptAndNothingElse(@TempDir Path dir) throws Exception {
    Path report = dir.resolve("B.md");
    assertThat(ReportWriter.keptSections(report)).isEmpty();
    Files.writeString(report, "# old\n\nold figures\n\n" + ReportWriter.KEPT_START + "transports -->\n## Transports\n\nratios\n"
        + ReportWriter.KEPT_END + "\ntrailing\n");

    assertThat(ReportWriter.keptSections(report))
        .isEqualTo("\n" + ReportWriter.KEPT_START + "transports -->\n## Transports\n\nratios\n" + ReportWriter.KEPT_END + "\n");
  }
}
