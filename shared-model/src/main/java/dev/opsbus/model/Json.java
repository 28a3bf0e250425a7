package dev.opsbus.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/** The one configured Jackson mapper: ISO-8601 instants, nulls left out, unknown fields ignored. */
public final class Json {

  private Json() {
  }

  public static final ObjectMapper MAPPER = new ObjectMapper()
      .registerModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .setSerializationInclusion(JsonInclude.Include.NON_NULL);

  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() { };

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
