package dev.opsbus.model.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.opsbus.model.Json;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ConfigSectionTest {

  private static final Set<String> KEYS = Set.of("count", "waitMs", "on", "names", "items");

  private static JsonNode json(String text) throws Exception {
    return Json.MAPPER.readTree(text);
  }

  @Test
  void givenKeysAreReadAndAbsentOnesKeepTheirDefault() throws Exception {
    ConfigSection s = ConfigSection.of("demo", json("{\"count\": 3, \"on\": true, \"names\": [\"a\", \"b\"]}"), KEYS);

    assertThat(s.positiveInt("count", 9)).isEqualTo(3);
    assertThat(s.bool("on", false)).isTrue();
    assertThat(s.strings("names", List.of())).containsExactly("a", "b");
    assertThat(s.duration("waitMs", Duration::ofMillis, Duration.ofSeconds(7))).isEqualTo(Duration.ofSeconds(7));
  }

  @Test
  void aMissingSectionReadsAsEmpty() {
    ConfigSection s = ConfigSection.of("demo", null, KEYS);

    assertThat(s.positiveLong("count", 4)).isEqualTo(4);
    assertThat(s.objects("items", Set.of())).isEmpty();
  }

  @Test
  void anUnknownKeyIsRefusedWithItsPathAndTheKnownKeys() throws Exception {
    assertThatThrownBy(() -> ConfigSection.of("demo", json("{\"cuont\": 3}"), KEYS))
        .isInstanceOfSatisfying(ConfigException.class, e -> {
          assertThat(e.isUnknownKey()).isTrue();
          assertThat(e.key()).isEqualTo("demo.cuont");
          assertThat(e.messageIn("config file x.json"))
              .isEqualTo("config file x.json: unknown key 'demo.cuont' (known: count, items, names, on, waitMs)");
        });
  }

  @Test
  void aBadValueIsRefusedWithItsPath() throws Exception {
    ConfigSection s = ConfigSection.of("demo", json("{\"count\": -1, \"on\": \"yes\", \"waitMs\": 1.5, \"names\": [\"\"]}"), KEYS);

    assertThatThrownBy(() -> s.positiveInt("count", 1)).isInstanceOf(ConfigException.class)
        .hasMessage("demo.count: must be a positive whole number, got -1");
    assertThatThrownBy(() -> s.bool("on", false)).hasMessageStartingWith("demo.on: must be true or false");
    assertThatThrownBy(() -> s.duration("waitMs", Duration::ofMillis, Duration.ZERO)).hasMessageStartingWith("demo.waitMs:");
    assertThatThrownBy(() -> s.strings("names", List.of())).hasMessageStartingWith("demo.names:");
    assertThat(((ConfigException) catchBad(() -> s.bool("on", false))).messageIn("config file x.json"))
        .isEqualTo("demo.on in config file x.json: must be true or false, got \"yes\"");
  }

  @Test
  void entriesOfAListAreSectionsNamedByTheirIndex() throws Exception {
    ConfigSection s = ConfigSection.of("demo", json("{\"items\": [{\"count\": 1}, {\"count\": 0}]}"), KEYS);

    List<ConfigSection> items = s.objects("items", Set.of("count"));

    assertThat(items.get(0).positiveInt("count", 5)).isEqualTo(1);
    assertThatThrownBy(() -> items.get(1).positiveInt("count", 5)).hasMessageStartingWith("demo.items[1].count:");
    assertThatThrownBy(() -> ConfigSection.of("demo", json("{\"items\": [{\"size\": 1}]}"), KEYS).objects("items", Set.of("count")))
        .hasMessageContaining("demo.items[0].size");
  }

  @Test
  void aSectionThatIsNotAnObjectIsRefused() throws Exception {
    assertThatThrownBy(() -> ConfigSection.of("demo", json("[1]"), KEYS)).hasMessageStartingWith("demo: must be a JSON object");
  }

  private static RuntimeException catchBad(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      return e;
    }
    throw new AssertionError("expected a ConfigException");
  }
}
