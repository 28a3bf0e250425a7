package dev.opsbus.gateway.bridge.sockjs;

import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * The SockJS affinity cookie ({@code JSESSIONID}, the name the SockJS protocol uses, with
 * {@code cookie_needed: true} in {@code /info}). It carries no state and is never read by the
 * node: it exists so a load balancer can send every request of one client (a polling transport's
 * receive and send requests) to the same node, by hashing its value (nginx) or by recognising it
 * (HAProxy). A value the client already holds is echoed; otherwise each client gets a random
 * one, so clients spread over the nodes instead of all sharing one value.
 */
public final class AffinityCookie {

  /** The cookie's name, as in the SockJS protocol. */
  public static final String NAME = "JSESSIONID";

  private static final Pattern SANE = Pattern.compile("[A-Za-z0-9_.~+/=:-]{1,128}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private AffinityCookie() {}

  /** Sets (or renews) the cookie on the answer to {@code req}; a malformed value is replaced. */
  public static void apply(HttpServerRequest req, HttpServerResponse resp) {
    Cookie held = req.getCookie(NAME);
    String value = held != null && SANE.matcher(held.getValue()).matches() ? held.getValue() : fresh();
    resp.addCookie(Cookie.cookie(NAME, value).setPath("/").setHttpOnly(true).setSameSite(CookieSameSite.LAX));
  }

  static String fresh() {
    byte[] b = new byte[16];
    RANDOM.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }
}
