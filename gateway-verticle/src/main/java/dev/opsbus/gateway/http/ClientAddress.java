package dev.opsbus.gateway.http;

import io.vertx.core.http.HttpServerRequest;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Who is at the other end of an HTTP request, as the login throttle and the cookie and origin
 * checks need it: the peer's address, scheme and host; or, when the peer is one of the configured
 * trusted proxies ({@code gateway.trustedProxies}, CIDRs), what that proxy says about the client in
 * {@code Forwarded} or {@code X-Forwarded-For} / {@code -Proto} / {@code -Host}. A header from any
 * other peer is ignored, since anybody can send it.
 */
public final class ClientAddress {

  private static final Pattern IPV4 = Pattern.compile("^\\d{1,3}(\\.\\d{1,3}){3}$");
  private static final Pattern IPV6 = Pattern.compile("^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$");

  private final List<Cidr> trusted;

  /** @param trustedProxies CIDRs ({@code 10.0.0.0/8}, {@code ::1/128}) or single addresses; empty: trust no proxy */
  public ClientAddress(List<String> trustedProxies) {
    List<Cidr> parsed = new ArrayList<>();
    for (String c : trustedProxies) {
      parsed.add(Cidr.parse(c));
    }
    this.trusted = List.copyOf(parsed);
  }

  /** No trusted proxies: the peer is the client. */
  public static ClientAddress direct() {
    return new ClientAddress(List.of());
  }

  /** Fails with a sentence naming the entry when a trusted-proxy entry is not a CIDR or an address. */
  public static void validate(List<String> trustedProxies) {
    new ClientAddress(trustedProxies);
  }

  /** The client's address: the peer, or the first untrusted hop the trusted proxies name, read from the right. */
  public String of(HttpServerRequest req) {
    String peer = req.remoteAddress() == null ? "unknown" : req.remoteAddress().hostAddress();
    if (!isTrusted(peer)) {
      return peer;
    }
    List<String> hops = forwardedFor(req);
    String current = peer;
    for (int i = hops.size() - 1; i >= 0; i--) {
      InetAddress hop = literal(hops.get(i));
      if (hop == null) {
        // "unknown", an obfuscated name or garbage: the last hop we could vouch for is the answer
        return current;
      }
      current = hop.getHostAddress();
      if (!isTrusted(hop)) {
        return current;
      }
    }
    return current;
  }

  /** Whether the client reached us over TLS: our own TLS, or a trusted proxy saying {@code https}. */
  public boolean secure(HttpServerRequest req) {
    if (req.isSSL()) {
      return true;
    }
    return fromTrustedProxy(req) && "https".equalsIgnoreCase(forwarded(req, "proto", "X-Forwarded-Proto"));
  }

  /** The host (and port) the client asked for: {@code Host}, or what a trusted proxy forwarded. */
  public String host(HttpServerRequest req) {
    if (fromTrustedProxy(req)) {
      String forwardedHost = forwarded(req, "host", "X-Forwarded-Host");
      if (forwardedHost != null && !forwardedHost.isBlank()) {
        return forwardedHost;
      }
    }
    return req.getHeader("Host");
  }

  private boolean fromTrustedProxy(HttpServerRequest req) {
    return req.remoteAddress() != null && isTrusted(req.remoteAddress().hostAddress());
  }

  /** Whether {@code address} (an IP literal) is one of the trusted proxies. */
  public boolean isTrusted(String address) {
    if (trusted.isEmpty()) {
      return false;
    }
    InetAddress a = literal(address);
    return a != null && isTrusted(a);
  }

  private boolean isTrusted(InetAddress a) {
    for (Cidr c : trusted) {
      if (c.contains(a)) {
        return true;
      }
    }
    return false;
  }

  /** The addresses a proxy chain names, client first: {@code Forwarded: for=} when present, else {@code X-Forwarded-For}. */
  private static List<String> forwardedFor(HttpServerRequest req) {
    List<String> out = new ArrayList<>();
    List<String> forwarded = req.headers().getAll("Forwarded");
    if (!forwarded.isEmpty()) {
      for (String element : String.join(",", forwarded).split(",")) {
        String v = param(element, "for");
        out.add(v == null ? "" : v);
      }
      return out;
    }
    for (String h : req.headers().getAll("X-Forwarded-For")) {
      for (String part : h.split(",")) {
        out.add(part.trim());
      }
    }
    return out;
  }

  /** The first {@code Forwarded} element's {@code key}, else the first value of {@code legacyHeader}. */
  private static String forwarded(HttpServerRequest req, String key, String legacyHeader) {
    String forwarded = req.getHeader("Forwarded");
    if (forwarded != null) {
      return param(forwarded.split(",")[0], key);
    }
    String legacy = req.getHeader(legacyHeader);
    return legacy == null ? null : legacy.split(",")[0].trim();
  }

  /** One parameter of a {@code Forwarded} element ({@code for=...;proto=...}), unquoted; null when absent. */
  private static String param(String element, String key) {
    for (String pair : element.split(";")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && pair.substring(0, eq).trim().equalsIgnoreCase(key)) {
        String v = pair.substring(eq + 1).trim();
        if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
          v = v.substring(1, v.length() - 1);
        }
        return v;
      }
    }
    return null;
  }

  /**
   * An IP literal as an address, with any brackets and port stripped; null for anything else. Never
   * resolves a name: only strings that look like IPv4 or IPv6 literals reach {@link InetAddress}.
   */
  static InetAddress literal(String text) {
    if (text == null) {
      return null;
    }
    String s = text.trim();
    if (s.startsWith("[")) {
      int close = s.indexOf(']');
      if (close < 0) {
        return null;
      }
      s = s.substring(1, close);
    } else if (s.indexOf(':') > 0 && s.indexOf(':') == s.lastIndexOf(':') && s.contains(".")) {
      s = s.substring(0, s.indexOf(':'));
    }
    if (IPV4.matcher(s).matches()) {
      for (String octet : s.split("\\.")) {
        if (Integer.parseInt(octet) > 255) {
          // InetAddress would take "999.1.1.1" for a host name and look it up
          return null;
        }
      }
    } else if (!IPV6.matcher(s).matches()) {
      return null;
    }
    try {
      return InetAddress.getByName(s);
    } catch (UnknownHostException e) {
      return null;
    }
  }

  /** An address block: {@code 10.0.0.0/8}, {@code fd00::/8}, or one address (all bits). */
  record Cidr(byte[] network, int prefix) {

    static Cidr parse(String text) {
      String t = text == null ? "" : text.trim();
      int slash = t.indexOf('/');
      InetAddress a = literal(slash < 0 ? t : t.substring(0, slash));
      if (a == null) {
        throw new IllegalArgumentException("trusted proxy '" + text + "' is not an IP address or CIDR block such as 10.0.0.0/8");
      }
      int bits = a.getAddress().length * 8;
      int prefix = bits;
      if (slash >= 0) {
        try {
          prefix = Integer.parseInt(t.substring(slash + 1));
        } catch (NumberFormatException e) {
          prefix = -1;
        }
        if (prefix < 0 || prefix > bits) {
          throw new IllegalArgumentException("trusted proxy '" + text + "': the prefix length must be 0-" + bits);
        }
      }
      return new Cidr(a.getAddress(), prefix);
    }

    boolean contains(InetAddress a) {
      byte[] b = a.getAddress();
      if (b.length != network.length) {
        return false;
      }
      int full = prefix / 8;
      for (int i = 0; i < full; i++) {
        if (b[i] != network[i]) {
          return false;
        }
      }
      int rest = prefix % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xff << (8 - rest)) & 0xff;
      return (b[full] & mask) == (network[full] & mask);
    }

    @Override
    public String toString() {
      try {
        return InetAddress.getByAddress(network).getHostAddress() + "/" + prefix;
      } catch (UnknownHostException e) {
        return "?/" + prefix;
      }
    }
  }

  @Override
  public String toString() {
    return "ClientAddress[trusted=" + trusted + "]";
  }
}
