package dev.opsbus.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
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
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .setSerializationInclusion(JsonInclude.Include.NON_NULL)
      .registerModule(vertxJson());

  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() { };

  /**
   * A message that went over the local bus arrives as a copy whose nested objects and arrays are
   * {@link JsonObject}s and {@link JsonArray}s, not maps and lists: they are written as what they
   * hold, not as beans, so a record with nested fields reads back the same whichever way it came.
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
