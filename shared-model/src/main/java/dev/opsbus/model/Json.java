package dev.opsbus.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.Map;

/** The one configured Jackson mapper: ISO-8601 instants, nulls left out, unknown fields ignored. */
public final class Json {

  private Json() {
  }

  public static final ObjectMapper MAPPER = new ObjectMapper()
      .registerModule(new JavaTimeModule())
      .registerModule(vertxJson())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .setSerializationInclusion(JsonInclude.Include.NON_NULL);

  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() { };

  /**
   * Writes Vert.x {@link JsonObject} and {@link JsonArray} values as the JSON they hold. A body
   * delivered on the local bus is a copy whose nested objects are {@code JsonObject}s (one that
   * came over the cluster holds plain maps), and without this a record nested in it would not
   * decode.
   */
  private static SimpleModule vertxJson() {
    return new SimpleModule("opsbus-vertx-json")
        .addSerializer(JsonObject.class, new StdSerializer<>(JsonObject.class) {
          @Override
          public void serialize(JsonObject value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            provider.defaultSerializeValue(value.getMap(), gen);
          }
        })
        .addSerializer(JsonArray.class, new StdSerializer<>(JsonArray.class) {
          @Override
          public void serialize(JsonArray value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            provider.defaultSerializeValue(value.getList(), gen);
          }
        });
  }

  /** A record as the JSON object that travels on the bus. */
  public static JsonObject toJsonObject(Object value) {
    Map<String, Object> plain = RecordMaps.toMap(value);
    return new JsonObject(plain != null ? plain : MAPPER.convertValue(value, MAP));
  }

  /** As {@link #toJsonObject}, always through Jackson (what {@code RecordMapsTest} holds the fast path to). */
  static JsonObject toJsonObjectByJackson(Object value) {
    return new JsonObject(MAPPER.convertValue(value, MAP));
  }

  public static <T> T fromJsonObject(JsonObject json, Class<T> type) {
    return MAPPER.convertValue(json.getMap(), type);
  }

  public static String encode(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot encode " + value.getClass().getSimpleName(), e);
    }
  }
}
