package dev.opsbus.gateway.bridge.sockjs;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The few fixed documents of SockJS: the iframe page of the iframe transports and the htmlfile prelude. */
final class SockJsPages {

  private SockJsPages() {
  }

  /**
   * The page the iframe transports load: sockjs-client, from the node itself, relaying between the
   * frame's parent and the server. Who may frame it is decided by the response's CSP.
   */
  static String iframe(String libraryUrl) {
    return "<!DOCTYPE html>\n<html>\n<head>\n  <meta charset=\"UTF-8\">\n"
        + "  <script src=\"" + htmlAttribute(libraryUrl) + "\"></script>\n"
        + "  <script>SockJS.bootstrap_iframe();</script>\n"
        + "</head>\n<body><p>opsbus: the SockJS iframe transport.</p></body>\n</html>\n";
  }

  /** An ETag for a fixed page. */
  static String etag(String page) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(page.getBytes(StandardCharsets.UTF_8));
      return "\"" + HexFormat.of().formatHex(digest, 0, 16) + "\"";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JVM", e);
    }
  }

  /**
   * The start of an htmlfile stream: calls back into the parent page's {@code callback}; padded past
   * 1 KB, since some browsers render nothing of a page before that. Each frame then follows as a
   * {@code <script>p("...")</script>}.
   */
  static String htmlFilePrelude(String callback) {
    StringBuilder sb = new StringBuilder(1100)
        .append("<!doctype html>\n<html><head>\n")
        .append("  <meta http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\" />\n")
        .append("</head><body><h2>opsbus</h2>\n  <script>\n")
        .append("    var c = parent.").append(callback).append(";\n")
        .append("    c.start();\n")
        .append("    function p(d) {c.message(d);};\n")
        .append("    window.onload = function() {c.stop();};\n")
        .append("  </script>");
    while (sb.length() < 1024) {
      sb.append(' ');
    }
    return sb.append("\r\n").toString();
  }

  private static String htmlAttribute(String s) {
    return s.replace("&", "&amp;").replace("\"", "&quot;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
