package dev.opsbus.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class AddressPatternTest {

  @Test
  void namedPartsAreCapturedOneSegmentEach() {
    AddressPattern p = AddressPattern.of("logs.host.{hostId}.{stream}");
    assertThat(p.match("logs.host.web-1.syslog")).contains(Map.of("hostId", "web-1", "stream", "syslog"));
    assertThat(p.match("logs.host.web.1.syslog")).isEmpty();
    assertThat(p.match("logs.host..syslog")).isEmpty();
  }

  @Test
  void literalsAreMatchedAsWrittenNeverAsRegex() {
    AddressPattern p = AddressPattern.of("metrics.node");
    assertThat(p.matches("metrics.node")).isTrue();
    assertThat(p.matches("metricsXnode")).isFalse();
    AddressPattern q = AddressPattern.of("ops.updates.host.{hostId}");
    assertThat(q.matches("opsXupdates.host.h1")).isFalse();
    assertThat(q.matches("ops.updates.host.h1|x")).isFalse();
    assertThat(q.matches("ops.updates.host..*")).isFalse();
  }

  @Test
  void formatRefusesValuesThatAreNotOneSegment() {
    AddressPattern p = AddressPattern.of("ops.updates.host.{hostId}");
    assertThat(p.format("h1")).isEqualTo("ops.updates.host.h1");
    assertThatThrownBy(() -> p.format("h1.evil")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> p.format("a", "b")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void formatPutsEachPartBetweenItsLiteralsAndReadsBackWithMatch() {
    AddressPattern p = AddressPattern.of("{a}.mid.{b}.end");
    assertThat(p.format("x-1", "Y_2")).isEqualTo("x-1.mid.Y_2.end");
    assertThat(p.match(p.format("x-1", "Y_2"))).contains(Map.of("a", "x-1", "b", "Y_2"));
    assertThat(AddressPattern.of("metrics.node").format()).isEqualTo("metrics.node");
  }

  @Test
  void theSegmentCheckAgreesWithTheSegmentPattern() {
    java.util.regex.Pattern segment = java.util.regex.Pattern.compile(AddressPattern.SEGMENT);
    java.util.List<String> probes = new java.util.ArrayList<>(java.util.List.of("", "a", "Z9", "a-b_c", "a.b", "a b", "*", "é",
        "a\u0000", "x".repeat(128), "x".repeat(129), "-", "_", "a/b", "{x}", "ä1"));
    for (char c = 0; c < 256; c++) {
      probes.add("k" + c);
    }
    for (String v : probes) {
      assertThat(AddressPattern.isSegment(v)).as("'%s'", v).isEqualTo(segment.matcher(v).matches());
    }
    assertThat(AddressPattern.isSegment(null)).isFalse();
  }

  @Test
  void malformedTemplatesAreRefused() {
    assertThatThrownBy(() -> AddressPattern.of("a.{b")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AddressPattern.of("a.{b}.{b}")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AddressPattern.of("")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aRuleFileWithAnUnknownRoleOrACheckOnAMissingPartIsRefusedWithTheReason() {
    assertThatThrownBy(() -> PermissionRules.fromJson("{\"rules\":[{\"address\":\"a.b\",\"directions\":[\"subscribe\"],\"roles\":[\"root\"]}]}"))
        .hasMessageContaining("root");
    assertThatThrownBy(() -> PermissionRules.fromJson("{\"rules\":[{\"address\":\"a.{x}\",\"directions\":[\"subscribe\"],\"roles\":[\"admin\"],\"checks\":[\"host:{y}\"]}]}"))
        .hasMessageContaining("{y}");
    assertThatThrownBy(() -> PermissionRules.fromJson("{\"rules\":[{\"address\":\"a.b\",\"directions\":[\"listen\"],\"roles\":[\"admin\"]}]}"))
        .hasMessageContaining("listen");
  }
}
