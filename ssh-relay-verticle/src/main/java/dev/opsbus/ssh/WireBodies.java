package dev.opsbus.ssh;

import com.fasterxml.jackson.databind.JsonMappingException;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import io.vertx.core.json.JsonObject;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Reads request bodies into their wire records, refusing a body that does not fit with a sentence naming the field. */
public final class WireBodies {

  private WireBodies() {
  }

  /**
   * {@code body} (an absent body reads as an empty object) as a record.
   *
   * @param what what the body is, for the sentence ({@code "ssh.exec request"})
   * @throws OpsbusException {@code invalid_request} naming the field that has the wrong type
   */
  public static <T> T read(JsonObject body, Function<JsonObject, T> reader, String what) {
    try {
      return reader.apply(body == null ? new JsonObject() : body);
    } catch (IllegalArgumentException e) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "not a valid " + what + ": " + problem(e));
    }
  }

  private static String problem(IllegalArgumentException e) {
    if (e.getCause() instanceof JsonMappingException m && !m.getPath().isEmpty()) {
      return m.getPath().stream()
          .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
          .collect(Collectors.joining(".")) + " has the wrong type";
    }
    String text = String.valueOf(e.getMessage());
    int nl = text.indexOf('\n');
    return nl < 0 ? text : text.substring(0, nl);
  }
}
