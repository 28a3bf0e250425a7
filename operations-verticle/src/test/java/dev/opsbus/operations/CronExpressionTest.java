package dev.opsbus.operations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

class CronExpressionTest {

  static final ZonedDateTime T = ZonedDateTime.of(2026, 11, 22, 10, 15, 30, 0, ZoneOffset.UTC);

  @Test
  void fiveFieldsFireOnTheMinute() {
    assertThat(CronExpression.parse("*/5 * * * *").next(T)).isEqualTo(T.withMinute(20).withSecond(0));
    assertThat(CronExpression.parse("0 3 * * *").next(T)).isEqualTo(T.plusDays(1).withHour(3).withMinute(0).withSecond(0));
  }

  @Test
  void sixFieldsHaveSecondsFirst() {
    assertThat(CronExpression.parse("*/2 * * * * *").next(T)).isEqualTo(T.withSecond(32));
    assertThat(CronExpression.parse("0 0 12 * * 1-5").next(T)).isEqualTo(T.plusDays(1).withHour(12).withMinute(0).withSecond(0));
  }

  @Test
  void listsRangesAndSundayAsZeroOrSeven() {
    // 2026-11-22 is a Sunday
    assertThat(CronExpression.parse("0 9 * * 0").next(T)).isEqualTo(T.plusDays(7).withHour(9).withMinute(0).withSecond(0));
    assertThat(CronExpression.parse("0 9 * * 7").next(T)).isEqualTo(T.plusDays(7).withHour(9).withMinute(0).withSecond(0));
    assertThat(CronExpression.parse("30,45 10 * * *").next(T)).isEqualTo(T.withMinute(30).withSecond(0));
  }

  @Test
  void badExpressionsNameTheField() {
    assertThatThrownBy(() -> CronExpression.parse("61 * * * *")).hasMessageContaining("minute");
    assertThatThrownBy(() -> CronExpression.parse("* * *")).hasMessageContaining("5 fields");
    assertThatThrownBy(() -> CronExpression.parse("* * * 13 *")).hasMessageContaining("month");
    assertThatThrownBy(() -> CronExpression.parse("*/0 * * * *")).hasMessageContaining("step");
  }
}
