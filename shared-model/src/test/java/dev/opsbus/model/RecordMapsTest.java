package dev.opsbus.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.event.ActivityEvent;
import dev.opsbus.model.event.Operation;
import dev.opsbus.model.wire.ExecEvent;
import dev.opsbus.model.wire.ExecOutcome;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The fast record-to-map path writes every record of the shared model exactly as Jackson does: each
 * record class found in the model is built with made-up values (nulls in every other field, nested
 * maps, lists, records, enums, instants with nanoseconds) and both paths' JSON text compared.
 */
class RecordMapsTest {

  private static final Instant TS = Instant.parse("2026-12-03T08:15:30.123456789Z");

  @Test
  void everyModelRecordIsWrittenAsJacksonWritesIt() throws Exception {
    List<Class<?>> records = modelRecords();
    assertThat(records).as("records found in the shared model").hasSizeGreaterThan(40);
    int compared = 0;
    for (Class<?> type : records) {
      for (int variant = 0; variant < 2; variant++) {
        Object value = build(type, variant, 0);
        if (value == null) {
          continue;
        }
        assertThat(Json.toJsonObject(value).encode()).as("%s, variant %d", type.getName(), variant)
            .isEqualTo(Json.toJsonObjectByJackson(value).encode());
        compared++;
      }
    }
    assertThat(compared).as("records built and compared").isGreaterThan(60);
  }

  @Test
  void theHotRecordsTakeTheFastPath() {
    Operation op = new Operation(Operation.TYPE, "0b8e3c2e-1111-4222-8333-944445555666", "h1", "ssh_test", Operation.IN_PROGRESS, 50,
        "running", null, "user", "ann", "n1", 3, 17L, Map.of("a", 1), Map.of("m", List.of("x")), TS, TS, TS, null);
    List<Object> hot = List.of(ExecEvent.Step.of("e1", 1, "connecting"), ExecEvent.Output.of("e1", 2, "stdout", "hello"),
        ExecEvent.Exit.of("e1", 3, 0, ExecOutcome.COMPLETED, "exited with status 0", null));
    for (Object v : hot) {
      assertThat(RecordMaps.toMap(v)).as("%s", v).isNotNull();
      assertThat(Json.toJsonObject(v)).isEqualTo(Json.toJsonObjectByJackson(v));
    }
    assertThat(RecordMaps.toMap(op)).as("an operation's snapshot, with its active flag").isNotNull().containsEntry("active", true);
    assertThat(Json.toJsonObject(op).encode()).isEqualTo(Json.toJsonObjectByJackson(op).encode());
    ActivityEvent ev = ActivityEvent.of("k", "ann", "n1", "a.b", null, "said", Map.of("hostId", "h1"));
    assertThat(Json.toJsonObject(ev).encode()).isEqualTo(Json.toJsonObjectByJackson(ev).encode());
  }

  @Test
  void anExecEventReadsBackFromTheFastPath() {
    ExecEvent exit = ExecEvent.Exit.of("e1", 3, 2, ExecOutcome.FAILED, "exited with status 2", ErrorCode.HOST_UNREACHABLE);
    assertThat(ExecEvent.fromJson(Json.toJsonObject(exit))).isEqualTo(exit);
  }

  private static List<Class<?>> modelRecords() throws Exception {
    Path root = Path.of(Json.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<Class<?>> out = new ArrayList<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : files.filter(f -> f.toString().endsWith(".class")).sorted().toList()) {
        String name = root.relativize(p).toString().replace('/', '.').replaceAll("\\.class$", "");
        Class<?> c = Class.forName(name, false, RecordMapsTest.class.getClassLoader());
        if (c.isRecord()) {
          out.add(c);
        }
      }
    }
    return out;
  }

  /** A record with made-up component values; null when its constructor refuses them. */
  private static Object build(Class<?> type, int variant, int depth) {
    RecordComponent[] cs = type.getRecordComponents();
    Object[] args = new Object[cs.length];
    Class<?>[] types = new Class<?>[cs.length];
    for (int i = 0; i < cs.length; i++) {
      types[i] = cs[i].getType();
      boolean leaveNull = (i + variant) % 3 == 2 && !types[i].isPrimitive();
      args[i] = leaveNull ? null : value(cs[i].getName(), types[i], cs[i].getGenericType(), variant, depth);
    }
    try {
      Constructor<?> ctor = type.getDeclaredConstructor(types);
      ctor.setAccessible(true);
      return ctor.newInstance(args);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  private static Object value(String name, Class<?> t, Type generic, int variant, int depth) {
    if (t == String.class) {
      return name + "-" + variant;
    }
    if (t == int.class || t == Integer.class) {
      return 7 + variant;
    }
    if (t == long.class || t == Long.class) {
      return 5_000_000_000L + variant;
    }
    if (t == boolean.class || t == Boolean.class) {
      return variant == 0;
    }
    if (t == double.class || t == Double.class) {
      return 0.25 + variant;
    }
    if (t == Instant.class) {
      return variant == 0 ? TS : TS.minusNanos(TS.getNano());
    }
    if (t.isEnum()) {
      Object[] constants = t.getEnumConstants();
      return constants[variant % constants.length];
    }
    if (t == JsonObject.class) {
      return new JsonObject().put("a", 1).put("nested", new JsonObject().put("b", "c")).put("list", new JsonArray().add(1).add("x"));
    }
    if (t == Map.class) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("text", "v");
      m.put("n", 3);
      m.put("nested", Map.of("k", List.of(1, 2)));
      m.put("none", null);
      m.put("json", new JsonObject().put("z", true));
      m.put("when", TS);
      if (generic instanceof ParameterizedType pt && pt.getActualTypeArguments()[1] == String.class) {
        Map<String, Object> strings = new HashMap<>();
        strings.put("k", "v");
        return strings;
      }
      return m;
    }
    if (t == List.class || t == Set.class) {
      Type element = generic instanceof ParameterizedType pt ? pt.getActualTypeArguments()[0] : Object.class;
      Object one = element instanceof Class<?> c && depth < 2 ? value(name, c, c, variant, depth + 1) : null;
      if (one == null) {
        // an element that could not be made: an empty collection, never a value of another type
        return t == List.class ? List.of() : Set.of();
      }
      return t == List.class ? List.of(one) : new LinkedHashSet<>(List.of(one));
    }
    if (t.isRecord() && depth < 2) {
      return build(t, variant, depth + 1);
    }
    return null;
  }
}
