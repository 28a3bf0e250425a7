package dev.opsbus.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Issue 11, point 8: arbitrary strings (NUL, lone surrogates, percent garbage, option-like values,
 * huge numbers) and values of the wrong JSON type in every query, path and body parameter of the
 * HTTP API, as an admin, against a real node (gateway, operations, SSH relay on PostgreSQL). Every
 * answer must be below 500 and, when it refuses, a JSON {@code {error, message}}.
 */
class HttpInputPropertyTest {

  static final String ADMIN_PASSWORD = "property-admin-password";
  static final List<String> SPECIALS = List.of("", " ", "-", "--help", "-rf", "\u0000", "a\u0000b", "%00", "..", "../../etc/passwd",
      "admin", "*", "null", "true", "[]", "{}", "0", "-1", "1e309", "9223372036854775808", "2026-13-45T99:99:99Z",
      "2026-01-01T00:00:00Z", "' OR 1=1 --", "\"; DROP TABLE users; --", "$(reboot)", "`id`", "\uD800", "\uDFFF", "\uFFFF",
      "é", "日本語", "\r\nX-Injected: 1", "x".repeat(5000), "pending", "ssh_test", "service_restart", "* * * * *",
      "SHA256:" + "A".repeat(43), "write", "view");
  /** Inserted into a URL as they are, not percent-encoded: what a client that encodes badly sends. */
  static final List<String> RAW = List.of("%00", "%zz", "%", "%c0%af", "..%2f..%2f", "%2e%2e", "a%20b", "%E0%A4%A", "%u0000");

  static Path dataDir;
  static OpsbusNode node;
  static HttpClient http;
  static String base;
  static String token;

  /** One API parameter: where it goes and the request it completes. */
  record Target(String method, String path, String where, String name, JsonObject body) {
    @Override
    public String toString() {
      return method + " " + path + " " + where + ":" + name;
    }
  }

  @BeforeContainer
  static void start() throws Exception {
    dataDir = Files.createTempDirectory("opsbus-property");
    TestDatabase.reset();
    node = OpsbusNode.start(NodeSettings.builder().httpPort(0).httpHost("127.0.0.1").pgUrl(TestDatabase.url()).dataDir(dataDir)
        .verticles(VerticleKind.GATEWAY, VerticleKind.OPERATIONS, VerticleKind.SSH_RELAY).adminPassword(ADMIN_PASSWORD).build());
    base = "http://127.0.0.1:" + node.httpPort();
    http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    Answer login = send("POST", "/api/login", new JsonObject().put("username", "admin").put("password", ADMIN_PASSWORD).encode());
    token = new JsonObject(login.body()).getString("token");
    // hosts that exist but are never pinned, on a closed port: nothing ever connects anywhere else
    for (String id : List.of("fuzz-base", "fuzz-put")) {
      Answer host = send("POST", "/api/hosts", new JsonObject().put("id", id).put("address", "127.0.0.1").put("port", 1)
          .put("username", "nobody").put("password", "unused").encode());
      assertThat(host.status()).as(host.body()).isEqualTo(201);
    }
    Answer target = send("POST", "/api/users", new JsonObject().put("username", "fuzz-target").put("password", "fuzz-target-password")
        .put("roles", new JsonArray().add("viewer")).encode());
    assertThat(target.status()).as(target.body()).isEqualTo(201);
  }

  @AfterContainer
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    try (Stream<Path> files = Files.walk(dataDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  record Answer(int status, String body, String contentType) {
  }

  static Answer send(String method, String pathAndQuery, String body) throws Exception {
    try {
      URI.create(base + pathAndQuery);
    } catch (IllegalArgumentException notAUri) {
      return sendRaw(method, pathAndQuery, body);
    }
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(r.statusCode(), r.body(), r.headers().firstValue("Content-Type").orElse(""));
  }

  /** A request line java.net.URI would refuse to build ("%zz"), written to the socket as it is. */
  static Answer sendRaw(String method, String pathAndQuery, String body) throws Exception {
    byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    String head = method + " " + pathAndQuery + " HTTP/1.1\r\nHost: 127.0.0.1:" + node.httpPort() + "\r\nAuthorization: Bearer " + token
        + "\r\nConnection: close\r\n" + (body == null ? "" : "Content-Type: application/json\r\n")
        + "Content-Length: " + payload.length + "\r\n\r\n";
    try (Socket socket = new Socket("127.0.0.1", node.httpPort())) {
      socket.setSoTimeout(30_000);
      socket.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
      socket.getOutputStream().write(payload);
      socket.getOutputStream().flush();
      String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int split = response.indexOf("\r\n\r\n");
      String[] lines = response.substring(0, split).split("\r\n");
      int status = Integer.parseInt(lines[0].split(" ")[1]);
      String type = "";
      boolean chunked = false;
      for (String line : lines) {
        String lower = line.toLowerCase(java.util.Locale.ROOT);
        if (lower.startsWith("content-type:")) {
          type = line.substring(13).trim();
        } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
          chunked = true;
        }
      }
      String rest = response.substring(split + 4);
      return new Answer(status, chunked ? unchunk(rest) : rest, type);
    }
  }

  private static String unchunk(String s) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < s.length()) {
      int eol = s.indexOf("\r\n", i);
      int size = Integer.parseInt(s.substring(i, eol).trim(), 16);
      if (size == 0) {
        break;
      }
      out.append(s, eol + 2, eol + 2 + size);
      i = eol + 2 + size + 2;
    }
    return out.toString();
  }

  /** Below 500, and a refusal says why in the one error form. */
  static void assertAnswered(Target t, Object value, Answer a) {
    String what = t + " = " + printable(value) + " -> " + a.status() + " " + printable(a.body());
    assertThat(a.status()).as(what).isLessThan(500);
    if (a.status() >= 400) {
      assertThat(a.contentType()).as(what).startsWith("application/json");
      JsonObject error;
      try {
        error = new JsonObject(a.body());
      } catch (DecodeException e) {
        throw new AssertionError("not a JSON error: " + what, e);
      }
      assertThat(error.getValue("error")).as(what).isInstanceOf(String.class);
      assertThat(error.getValue("message")).as(what).isInstanceOf(String.class);
    }
  }

  static String printable(Object v) {
    String s = String.valueOf(v).replace("\u0000", "\\0");
    return s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }

  static String encode(String v) {
    return v.startsWith("RAW:") ? v.substring(4) : URLEncoder.encode(v, StandardCharsets.UTF_8).replace("+", "%20");
  }

  // ------------------------------------------------------------------ properties

  @Property(tries = 400)
  void anyStringInAQueryParameterIsAnsweredWithACode(@ForAll("queryTargets") Target t, @ForAll("strings") String value) throws Exception {
    Answer a = send(t.method(), t.path() + "?" + t.name() + "=" + encode(value), null);
    assertAnswered(t, value, a);
  }

  @Property(tries = 400)
  void anyStringInAPathParameterIsAnsweredWithACode(@ForAll("pathTargets") Target t, @ForAll("strings") String value) throws Exception {
    Assume.that(!value.isEmpty() && !value.equals("admin") && !value.startsWith("fuzz-"));
    Answer a = send(t.method(), t.path().replace("{v}", encode(value)), t.body() == null ? null : t.body().encode());
    assertAnswered(t, value, a);
  }

  @Property(tries = 400)
  void anyValueInABodyFieldIsAnsweredWithACode(@ForAll("bodyTargets") Target t, @ForAll("values") Object value) throws Exception {
    JsonObject body = t.body().copy();
    String[] path = t.name().split("\\.");
    JsonObject into = body;
    for (int i = 0; i < path.length - 1; i++) {
      into = into.getJsonObject(path[i]);
    }
    into.put(path[path.length - 1], value);
    Answer a = send(t.method(), t.path(), body.encode());
    assertAnswered(t, value, a);
    cleanUp(t, a);
  }

  @Property(tries = 150)
  void anyBodyAtAllIsAnsweredWithACode(@ForAll("bodyTargets") Target t, @ForAll("rawBodies") String body) throws Exception {
    Answer a = send(t.method(), t.path(), body);
    assertAnswered(t, body, a);
    cleanUp(t, a);
  }

  /** What a body fuzz created goes again at once: no host, user or schedule lives on to be acted on. */
  static void cleanUp(Target t, Answer a) throws Exception {
    if (a.status() != 201 || !t.method().equals("POST")) {
      return;
    }
    JsonObject created = new JsonObject(a.body());
    switch (t.path()) {
      case "/api/hosts" -> send("DELETE", "/api/hosts/" + encode(created.getString("id")), null);
      case "/api/users" -> send("DELETE", "/api/users/" + encode(created.getString("username")), null);
      case "/api/schedules" -> send("DELETE", "/api/schedules/" + encode(created.getString("id")), null);
      default -> {
      }
    }
  }

  // ------------------------------------------------------------------ generators

  @Provide
  Arbitrary<String> strings() {
    return Arbitraries.frequencyOf(
        Tuple.of(4, Arbitraries.strings().all().ofMaxLength(40)),
        Tuple.of(2, Arbitraries.strings().ascii().ofMaxLength(200)),
        Tuple.of(3, Arbitraries.of(SPECIALS)),
        Tuple.of(1, Arbitraries.of(RAW).map(r -> "RAW:" + r)));
  }

  @Provide
  Arbitrary<Object> values() {
    Arbitrary<String> text = Arbitraries.frequencyOf(
        Tuple.of(3, Arbitraries.strings().all().ofMaxLength(40)),
        Tuple.of(3, Arbitraries.of(SPECIALS)));
    return Arbitraries.frequencyOf(
        Tuple.of(5, text.map(s -> (Object) s)),
        Tuple.of(1, Arbitraries.longs().map(n -> (Object) n)),
        Tuple.of(1, Arbitraries.doubles().map(d -> (Object) d)),
        Tuple.of(1, Arbitraries.of(true, false).map(b -> (Object) b)),
        Tuple.of(1, Arbitraries.just((Object) null)),
        Tuple.of(1, text.list().ofMaxSize(3).map(l -> (Object) new JsonArray(new ArrayList<>(l)))),
        Tuple.of(1, Arbitraries.of(1L, -1L, 1.5, true).list().ofMaxSize(3).map(l -> (Object) new JsonArray(new ArrayList<>(l)))),
        Tuple.of(1, text.map(s -> (Object) new JsonObject().put(s.replace("\u0000", ""), s))));
  }

  @Provide
  Arbitrary<String> rawBodies() {
    return Arbitraries.frequencyOf(
        Tuple.of(3, Arbitraries.strings().all().ofMaxLength(60)),
        Tuple.of(2, Arbitraries.of("", "null", "[]", "[1,2]", "\"text\"", "42", "{", "{\"a\":", "{\"username\":{}}",
            "{\"username\":\"a\",\"username\":\"b\"}", "[".repeat(2000) + "]".repeat(2000), "{\"a\":\"\\u0000\"}",
            "{\"\\u0000\":1}", "{\"password\":\"" + "p".repeat(100) + "\"}")));
  }

  @Provide
  Arbitrary<Target> queryTargets() {
    List<Target> t = new ArrayList<>();
    for (String p : List.of("hostId", "status", "type", "before", "limit", "sinceSeq", "sinceVersion")) {
      t.add(new Target("GET", "/api/operations", "query", p, null));
    }
    for (String p : List.of("limit", "since", "sinceSeq", "beforeSeq")) {
      t.add(new Target("GET", "/api/activity", "query", p, null));
    }
    for (String p : List.of("hostId", "sessionId", "limit")) {
      t.add(new Target("GET", "/api/recordings", "query", p, null));
    }
    for (String path : List.of("/api/hosts", "/api/me", "/api/terminals", "/api/users", "/api/schedules", "/api/operation-types")) {
      t.add(new Target("GET", path, "query", "x", null));
    }
    return Arbitraries.of(t);
  }

  @Provide
  Arbitrary<Target> pathTargets() {
    JsonObject none = null;
    return Arbitraries.of(
        new Target("GET", "/api/operations/{v}", "path", "id", none),
        new Target("POST", "/api/operations/{v}/cancel", "path", "id", none),
        new Target("GET", "/api/hosts/{v}", "path", "hostId", none),
        new Target("PUT", "/api/hosts/{v}", "path", "hostId", new JsonObject().put("name", "renamed")),
        new Target("DELETE", "/api/hosts/{v}", "path", "hostId", none),
        new Target("GET", "/api/hosts/{v}/host-key", "path", "hostId", none),
        new Target("POST", "/api/hosts/{v}/host-key", "path", "hostId", new JsonObject().put("fingerprint", "SHA256:" + "B".repeat(43))),
        new Target("POST", "/api/hosts/{v}/operations", "path", "hostId", new JsonObject().put("type", "ssh_test")),
        new Target("POST", "/api/hosts/{v}/terminals", "path", "hostId", new JsonObject()),
        new Target("POST", "/api/terminals/{v}/join", "path", "sid", new JsonObject().put("mode", "write")),
        new Target("POST", "/api/terminals/{v}/invite", "path", "sid", new JsonObject().put("username", "fuzz-target").put("mode", "view")),
        new Target("DELETE", "/api/terminals/{v}", "path", "sid", none),
        new Target("GET", "/api/terminals/{v}/recording", "path", "sid", none),
        new Target("GET", "/api/recordings/{v}", "path", "sid", none),
        new Target("GET", "/api/recordings/{v}/cast", "path", "sid", none),
        new Target("PUT", "/api/users/{v}", "path", "username", new JsonObject().put("hosts", new JsonArray().add("h1"))),
        new Target("DELETE", "/api/users/{v}", "path", "username", none),
        new Target("DELETE", "/api/schedules/{v}", "path", "id", none));
  }

  @Provide
  Arbitrary<Target> bodyTargets() {
    List<Target> t = new ArrayList<>();
    JsonObject login = new JsonObject().put("username", "nobody").put("password", "nobody-password-1");
    for (String f : List.of("username", "password")) {
      t.add(new Target("POST", "/api/login", "body", f, login));
    }
    JsonObject user = new JsonObject().put("username", "fuzzuser").put("password", "fuzz-user-password-1")
        .put("roles", new JsonArray().add("viewer")).put("hosts", new JsonArray());
    for (String f : List.of("username", "password", "roles", "hosts")) {
      t.add(new Target("POST", "/api/users", "body", f, user));
    }
    for (String f : List.of("password", "roles", "hosts")) {
      t.add(new Target("PUT", "/api/users/fuzz-target", "body", f, new JsonObject()));
    }
    JsonObject host = new JsonObject().put("id", "fuzz-new").put("name", "n").put("address", "127.0.0.1").put("port", 1)
        .put("username", "u").put("password", "p");
    for (String f : List.of("id", "name", "address", "port", "username", "password", "privateKey", "logs")) {
      t.add(new Target("POST", "/api/hosts", "body", f, host));
    }
    for (String f : List.of("name", "address", "port", "username", "password", "privateKey", "logs")) {
      t.add(new Target("PUT", "/api/hosts/fuzz-put", "body", f, new JsonObject()));
    }
    t.add(new Target("POST", "/api/hosts/fuzz-put/host-key", "body", "fingerprint", new JsonObject()));
    JsonObject op = new JsonObject().put("type", "ssh_test");
    for (String f : List.of("type", "params", "idempotencyKey")) {
      t.add(new Target("POST", "/api/hosts/fuzz-base/operations", "body", f, op));
    }
    t.add(new Target("POST", "/api/hosts/fuzz-base/operations", "body", "params.service",
        new JsonObject().put("type", "service_restart").put("params", new JsonObject())));
    t.add(new Target("POST", "/api/hosts/fuzz-base/operations", "body", "params.domain",
        new JsonObject().put("type", "certificate_renewal").put("params", new JsonObject())));
    for (String f : List.of("cols", "rows")) {
      t.add(new Target("POST", "/api/hosts/no-such-host/terminals", "body", f, new JsonObject()));
    }
    t.add(new Target("POST", "/api/terminals/no-such-session/join", "body", "mode", new JsonObject()));
    for (String f : List.of("username", "mode")) {
      t.add(new Target("POST", "/api/terminals/no-such-session/invite", "body", f, new JsonObject().put("username", "x").put("mode", "view")));
    }
    JsonObject schedule = new JsonObject().put("hostId", "fuzz-base").put("type", "ssh_test").put("cron", "0 0 1 1 *");
    for (String f : List.of("hostId", "type", "cron", "params")) {
      t.add(new Target("POST", "/api/schedules", "body", f, schedule));
    }
    t.add(new Target("POST", "/api/token/refresh", "body", "x", new JsonObject()));
    return Arbitraries.of(t);
  }
}
