package dev.opsbus.gateway.bridge.sockjs;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The SockJS wire frames ({@code o}, {@code h}, {@code a[...]}, {@code c[code,"reason"]}) and the
 * escapings each transport needs on top: a JavaScript string for htmlfile and JSONP, percent
 * escapes for EventSource (sockjs-client runs {@code decodeURI} on every event).
 */
final class SockJsFrames {

  static final String OPEN = "o";
  static final String HEARTBEAT = "h";

  private static final JsonFactory JSON = new JsonFactory();
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private SockJsFrames() {
  }

  /**
   * {@code a["m1","m2"]}. Every character outside printable ASCII is a {@code \\u} escape: the
   * protocol asks for some ranges (browsers mangle them), and all-ASCII frames also make the
   * JavaScript and EventSource wrappings safe.
   */
  static String messages(List<String> messages) {
    int size = 3;
    for (String m : messages) {
      size += m.length() + 8;
    }
    StringBuilder sb = new StringBuilder(size).append("a[");
    for (int i = 0; i < messages.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      quote(sb, messages.get(i));
    }
    return sb.append(']').toString();
  }

  /** {@code a[...]} of messages already quoted ({@link #quote}): joined, not escaped again. */
  static String packed(List<String> quotedMessages) {
    int size = 3;
    for (String m : quotedMessages) {
      size += m.length() + 1;
    }
    StringBuilder sb = new StringBuilder(size).append("a[");
    for (int i = 0; i < quotedMessages.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(quotedMessages.get(i));
    }
    return sb.append(']').toString();
  }

  /** {@code c[code,"reason"]}: how the session ended, read by sockjs-client as the close event. */
  static String close(int code, String reason) {
    StringBuilder sb = new StringBuilder(16 + reason.length()).append("c[").append(code).append(',');
    quote(sb, reason);
    return sb.append(']').toString();
  }

  static void quote(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20 || c >= 0x7f) {
            unicode(sb, c);
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }

  private static void unicode(StringBuilder sb, char c) {
    sb.append("\\u").append(HEX[(c >> 12) & 0xf]).append(HEX[(c >> 8) & 0xf]).append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
  }

  /**
   * A frame as the inside of a JavaScript string literal, for {@code p("...")} (htmlfile) and
   * {@code callback("...")} (JSONP). Frames are ASCII already; {@code <} is escaped so that no
   * message can end the htmlfile page's script element.
   */
  static String jsString(String frame) {
    StringBuilder sb = new StringBuilder(frame.length() + 16);
    for (int i = 0; i < frame.length(); i++) {
      char c = frame.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '<' -> sb.append("\\u003c");
        case '>' -> sb.append("\\u003e");
        default -> {
          if (c < 0x20 || c >= 0x7f) {
            unicode(sb, c);
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.toString();
  }

  /** A frame as EventSource data: sockjs-client {@code decodeURI}s it, so {@code %} must arrive as {@code %25}. */
  static String eventSourceData(String frame) {
    if (frame.indexOf('%') < 0 && frame.indexOf('\r') < 0 && frame.indexOf('\n') < 0 && frame.indexOf('\0') < 0) {
      return frame;
    }
    StringBuilder sb = new StringBuilder(frame.length() + 16);
    for (int i = 0; i < frame.length(); i++) {
      char c = frame.charAt(i);
      switch (c) {
        case '%' -> sb.append("%25");
        case '\r' -> sb.append("%0D");
        case '\n' -> sb.append("%0A");
        case '\0' -> sb.append("%00");
        default -> sb.append(c);
      }
    }
    return sb.toString();
  }

  /**
   * The messages of one WebSocket text: those of its envelope; none for an empty text or {@code []};
   * anything else goes on whole as one message, which the bridge refuses with an err frame.
   */
  static List<String> webSocketMessages(String text) {
    if (text.isEmpty() || "[]".equals(text)) {
      return List.of();
    }
    List<String> messages = decode(text);
    return messages != null ? messages : List.of(text);
  }

  /**
   * The envelope in a form-encoded {@code jsonp_send} body ({@code d=<percent-encoded>}): empty
   * without a {@code d=}, null when it does not percent-decode ({@code %zz}, a cut {@code %5}).
   */
  static String formEnvelope(String form) {
    if (!form.startsWith("d=")) {
      return "";
    }
    try {
      return URLDecoder.decode(form.substring(2), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /**
   * What a client sent: a JSON array of strings (sockjs-client batches what was sent meanwhile), or
   * one string. Null when the text is neither.
   */
  static List<String> decode(String text) {
    try (JsonParser p = JSON.createParser(text)) {
      JsonToken t = p.nextToken();
      List<String> out = new ArrayList<>(2);
      if (t == JsonToken.VALUE_STRING) {
        out.add(p.getText());
      } else if (t == JsonToken.START_ARRAY) {
        for (t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
          if (t != JsonToken.VALUE_STRING) {
            return null;
          }
          out.add(p.getText());
        }
      } else {
        return null;
      }
      return p.nextToken() == null ? out : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
