package dev.opsbus.model;

import com.fasterxml.jackson.annotation.JacksonAnnotation;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonValue;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.annotation.Annotation;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A record as the map {@link Json#MAPPER} would make of it, without Jackson's round trip through a
 * token buffer: the bus's hottest conversions (an operation's snapshot per change, an exec stream
 * event per step or line) spent about a sixth of the event loop in {@code ObjectMapper.convertValue}.
 *
 * <p>Only plain records take this path: no Jackson annotation on the record or its components, none
 * on its methods but {@link JsonIgnore} on a getter that names no component, and at most one public
 * getter beside the components ({@code getX()}, or {@code isX()} returning {@code boolean}, as
 * {@code Operation.isActive()}), which Jackson writes after them. Values are written as Jackson
 * would: nulls left out (of the record's fields and of maps, kept in lists), instants in ISO-8601,
 * enums by their {@link JsonValue} method or name, maps, collections, {@link JsonObject},
 * {@link JsonArray} and nested plain records copied; any other value is handed to Jackson.
 * {@code RecordMapsTest} holds the two paths equal over every record of the shared model.
 */
final class RecordMaps {

  private RecordMaps() {
  }

  /** The accessors of a plain record in component order, or null when Jackson must write it. */
  private static final ClassValue<Accessor[]> PLANS = new ClassValue<>() {
    @Override
    protected Accessor[] computeValue(Class<?> type) {
      return plan(type);
    }
  };

  private static final ClassValue<Method> ENUM_VALUES = new ClassValue<>() {
    @Override
    protected Method computeValue(Class<?> type) {
      for (Method m : type.getMethods()) {
        if (m.isAnnotationPresent(JsonValue.class) && m.getParameterCount() == 0) {
          m.setAccessible(true);
          return m;
        }
      }
      return null;
    }
  };

  private record Accessor(String name, Method method) {
  }

  /** The record as a map, or null when it is not a plain record (the caller asks Jackson). */
  static Map<String, Object> toMap(Object value) {
    Accessor[] plan = value instanceof Record ? PLANS.get(value.getClass()) : null;
    if (plan == null) {
      return null;
    }
    Map<String, Object> out = new LinkedHashMap<>(plan.length * 2);
    for (Accessor a : plan) {
      Object v = get(a, value);
      if (v != null) {
        out.put(a.name(), copy(v));
      }
    }
    return out;
  }

  private static Object get(Accessor a, Object target) {
    try {
      return a.method().invoke(target);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("cannot read " + a.name(), e);
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException("cannot read " + a.name(), cause);
    }
  }

  private static Object copy(Object v) {
    if (v == null || v instanceof String || v instanceof Boolean || v instanceof Integer || v instanceof Long
        || v instanceof Double) {
      return v;
    }
    if (v instanceof Instant t) {
      return t.toString();
    }
    if (v instanceof Enum<?> e) {
      Method m = ENUM_VALUES.get(e.getDeclaringClass());
      if (m == null) {
        return e.name();
      }
      try {
        return copy(m.invoke(e));
      } catch (IllegalAccessException | InvocationTargetException ex) {
        return Json.MAPPER.convertValue(v, Object.class);
      }
    }
    if (v instanceof JsonObject o) {
      return copyMap(o.getMap());
    }
    if (v instanceof JsonArray a) {
      return copyList(a.getList());
    }
    if (v instanceof Map<?, ?> m && m.keySet().stream().allMatch(k -> k instanceof String)) {
      return copyMap(m);
    }
    if (v instanceof List<?> || v instanceof Set<?>) {
      return copyList((Collection<?>) v);
    }
    if (v instanceof Record) {
      Map<String, Object> nested = toMap(v);
      if (nested != null) {
        return nested;
      }
    }
    return Json.MAPPER.convertValue(v, Object.class);
  }

  private static Map<String, Object> copyMap(Map<?, ?> m) {
    Map<String, Object> out = new LinkedHashMap<>(Math.max(4, m.size() * 2));
    for (Map.Entry<?, ?> e : m.entrySet()) {
      if (e.getValue() != null) {
        out.put((String) e.getKey(), copy(e.getValue()));
      }
    }
    return out;
  }

  private static List<Object> copyList(Collection<?> c) {
    List<Object> out = new ArrayList<>(c.size());
    for (Object o : c) {
      out.add(copy(o));
    }
    return out;
  }

  private static Accessor[] plan(Class<?> type) {
    if (!type.isRecord() || !Modifier.isPublic(type.getModifiers()) || jackson(type)) {
      return null;
    }
    RecordComponent[] components = type.getRecordComponents();
    Set<String> names = Arrays.stream(components).map(RecordComponent::getName).collect(Collectors.toSet());
    List<Accessor> extra = new ArrayList<>();
    for (Method m : type.getMethods()) {
      if (Modifier.isStatic(m.getModifiers()) || m.getDeclaringClass() == Object.class || m.getDeclaringClass() == Record.class) {
        continue;
      }
      if (names.contains(m.getName()) && m.getParameterCount() == 0) {
        if (jackson(m)) {
          return null;
        }
        continue;
      }
      Getter g = getter(m);
      if (g == Getter.UNSURE) {
        return null;
      }
      if (g == Getter.NONE) {
        if (jackson(m)) {
          return null;
        }
        continue;
      }
      String property = property(m.getName(), g);
      if (m.isAnnotationPresent(JsonIgnore.class)) {
        if (names.contains(property) || m.getAnnotations().length > 1) {
          return null; // ignores a component by its name, or says more than this class reads
        }
        continue;
      }
      if (jackson(m) || names.contains(property)) {
        return null;
      }
      m.setAccessible(true);
      extra.add(new Accessor(property, m));
    }
    if (extra.size() > 1) {
      return null; // Jackson's order among several such properties is not one to copy
    }
    Accessor[] plan = new Accessor[components.length + extra.size()];
    for (int i = 0; i < components.length; i++) {
      RecordComponent c = components[i];
      if (jackson(c)) {
        return null;
      }
      Method accessor = c.getAccessor();
      accessor.setAccessible(true);
      plan[i] = new Accessor(c.getName(), accessor);
    }
    for (int i = 0; i < extra.size(); i++) {
      plan[components.length + i] = extra.get(i);
    }
    return plan;
  }

  private enum Getter { NONE, GET, IS, UNSURE }

  /**
   * What Jackson makes of a public method that is not a component: a property for {@code getX()} of
   * any type and {@code isX()} returning {@code boolean}; nothing for other methods; {@code UNSURE}
   * for an {@code isX()} returning {@code Boolean} (such a record is left to Jackson).
   */
  private static Getter getter(Method m) {
    String n = m.getName();
    if (m.getParameterCount() != 0 || m.getReturnType() == void.class) {
      return Getter.NONE;
    }
    if (n.startsWith("get") && n.length() > 3) {
      return Getter.GET;
    }
    if (n.startsWith("is") && n.length() > 2) {
      return m.getReturnType() == boolean.class ? Getter.IS : m.getReturnType() == Boolean.class ? Getter.UNSURE : Getter.NONE;
    }
    return Getter.NONE;
  }

  private static String property(String method, Getter g) {
    String rest = method.substring(g == Getter.IS ? 2 : 3);
    return Character.toLowerCase(rest.charAt(0)) + rest.substring(1);
  }

  private static boolean jackson(AnnotatedElement e) {
    for (Annotation a : e.getAnnotations()) {
      if (a.annotationType().isAnnotationPresent(JacksonAnnotation.class)) {
        return true;
      }
    }
    return false;
  }
}
