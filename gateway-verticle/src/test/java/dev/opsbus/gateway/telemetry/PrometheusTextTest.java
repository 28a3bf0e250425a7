package dev.opsbus.gateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The test's strict reader of the exposition format: what it takes, and each fault it refuses. */
class PrometheusTextTest {

  static final String GOOD = """
      # HELP up_total things that went up
      # TYPE up_total counter
      up_total{code="a\\"b\\\\c\\nd",node="n1"} 3.0
      up_total{code="x",node="n1"} 0.0 1700000000000
      # TYPE temp gauge
      temp -1.5e-3
      # HELP lat_seconds latency
      # TYPE lat_seconds histogram
      lat_seconds_bucket{le="0.1",node="n1"} 1.0
      lat_seconds_bucket{le="1.0",node="n1"} 3.0
      lat_seconds_bucket{le="+Inf",node="n1"} 4.0
      lat_seconds_count{node="n1"} 4.0
      lat_seconds_sum{node="n1"} 2.5
      # an ordinary comment
      # TYPE nothing gauge
      """;

  @Test
  void readsFamiliesTheirTypesHelpAndLabelsWithEscapes() {
    Map<String, PrometheusText.Family> f = PrometheusText.parse(GOOD);
    assertThat(f).containsOnlyKeys("up_total", "temp", "lat_seconds", "nothing");
    assertThat(f.get("up_total").type).isEqualTo("counter");
    assertThat(f.get("up_total").help).isEqualTo("things that went up");
    assertThat(f.get("up_total").samples.get(0).label("code")).isEqualTo("a\"b\\c\nd");
    assertThat(f.get("temp").samples.get(0).value()).isEqualTo(-0.0015);
    assertThat(f.get("lat_seconds").samples).hasSize(5);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      // a counter whose sample is not _total
      "# TYPE up counter\nup 1.0\n",
      // a negative counter
      "# TYPE up_total counter\nup_total -1.0\n",
      // a sample with no TYPE before it
      "up 1.0\n",
      // a family split in two
      "# TYPE a gauge\na 1.0\n# TYPE b gauge\nb 1.0\na{x=\"1\"} 2.0\n",
      // the same series twice
      "# TYPE a gauge\na{x=\"1\"} 1.0\na{x=\"1\"} 2.0\n",
      // a bad metric name, a bad label name, an unquoted value, a bad escape, a reserved label
      "# TYPE 1a gauge\n",
      "# TYPE a gauge\na{1x=\"1\"} 1.0\n",
      "# TYPE a gauge\na{x=1} 1.0\n",
      "# TYPE a gauge\na{x=\"\\t\"} 1.0\n",
      "# TYPE a gauge\na{__x=\"1\"} 1.0\n",
      // a trailing comma, an unterminated label set, two spaces, a bad value, a bad timestamp
      "# TYPE a gauge\na{x=\"1\",} 1.0\n",
      "# TYPE a gauge\na{x=\"1\" 1.0\n",
      "# TYPE a gauge\na  1.0\n",
      "# TYPE a gauge\na one\n",
      "# TYPE a gauge\na 1.0 soon\n",
      // an unknown type, a second TYPE, a second HELP, HELP without TYPE
      "# TYPE a meter\n",
      "# TYPE a gauge\n# TYPE a gauge\n",
      "# HELP a x\n# HELP a y\n# TYPE a gauge\n",
      "# HELP a x\n",
      // histograms: not cumulative, no +Inf, _count off, no _sum, bucket without le
      "# TYPE h histogram\nh_bucket{le=\"1\"} 2.0\nh_bucket{le=\"+Inf\"} 1.0\nh_count 1.0\nh_sum 1.0\n",
      "# TYPE h histogram\nh_bucket{le=\"1\"} 1.0\nh_count 1.0\nh_sum 1.0\n",
      "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2.0\nh_count 1.0\nh_sum 1.0\n",
      "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1.0\nh_count 1.0\n",
      "# TYPE h histogram\nh_bucket 1.0\nh_count 1.0\nh_sum 1.0\n",
      // a gauge sample named after another family, and no final line feed
      "# TYPE a gauge\nb 1.0\n",
      "# TYPE a gauge\na 1.0"})
  void refusesEveryFault(String text) {
    assertThatThrownBy(() -> PrometheusText.parse(text)).isInstanceOf(PrometheusText.FormatException.class);
  }
}
