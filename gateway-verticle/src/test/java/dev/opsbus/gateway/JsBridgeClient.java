package dev.opsbus.gateway;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real browser client, vertx-eventbus.js over sockjs-client under Node, held on one transport
 * ({@code src/test/js/bridge-driver.js}), or the same frames over the raw WebSocket. The test sends
 * it commands and reads back everything the client's handlers, {@code onerror} and {@code onclose}
 * saw, as JSON events.
 */
final class JsBridgeClient implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(JsBridgeClient.class);
  private static final Path DRIVER = Path.of("src/test/js/bridge-driver.js").toAbsolutePath();
  /** The console's npm install: the sockjs-client and vertx-eventbus.js the console ships. */
  private static final Path MODULES = Path.of("src/main/console/node_modules").toAbsolutePath();

  /** What a client may ride on: the raw WebSocket, or one of sockjs-client's transports. */
  enum Transport {
    RAW("raw"), WEBSOCKET("websocket"), XHR_STREAMING("xhr-streaming"), XHR_POLLING("xhr-polling"), EVENTSOURCE("eventsource");

    final String clientName;

    Transport(String clientName) {
      this.clientName = clientName;
    }

    /** Sends through {@code xhr_send}, so a request body bound applies rather than a WebSocket message bound. */
    boolean sendsOverHttp() {
      return this == XHR_STREAMING || this == XHR_POLLING || this == EVENTSOURCE;
    }
  }

  /** How the token travels: in every frame's headers (vertx-eventbus.js's way), or as the browser's cookie. */
  enum Auth { HEADER, COOKIE, NONE }

  private final Process process;
  private final Writer stdin;
  private final BlockingQueue<JsonObject> events = new LinkedBlockingQueue<>();
  private final List<JsonObject> seen = new CopyOnWriteArrayList<>();
  private final Transport transport;

  private JsBridgeClient(Process process, Transport transport) {
    this.process = process;
    this.transport = transport;
    this.stdin = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    Thread reader = new Thread(this::readEvents, "js-client-" + transport.clientName);
    reader.setDaemon(true);
    reader.start();
  }

  static JsBridgeClient open(int port, Transport transport, Auth auth, String token) {
    return open(port, transport, auth, token, Duration.ofSeconds(5));
  }

  /** @param ping how often the client pings (vertx-eventbus.js's {@code vertxbus_ping_interval}) */
  static JsBridgeClient open(int port, Transport transport, Auth auth, String token, Duration ping) {
    List<String> cmd = new ArrayList<>(List.of("node", DRIVER.toString(), "http://127.0.0.1:" + port, transport.clientName,
        auth.name().toLowerCase(java.util.Locale.ROOT), token == null ? "" : token, String.valueOf(ping.toMillis())));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
    pb.environment().put("NODE_PATH", MODULES.toString());
    try {
      return new JsBridgeClient(pb.start(), transport);
    } catch (IOException e) {
      throw new AssertionError("cannot start node (a prerequisite of the build): " + e.getMessage(), e);
    }
  }

  private void readEvents() {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        try {
          JsonObject ev = new JsonObject(line);
          seen.add(ev);
          events.add(ev);
        } catch (DecodeException notJson) {
          // the client libraries log to stdout now and then (console.warn of an unhandled message)
          LOG.info("js client ({}): {}", transport.clientName, line);
        }
      }
    } catch (IOException e) {
      LOG.debug("js client output ended: {}", e.getMessage());
    }
  }

  private void command(JsonObject c) {
    try {
      stdin.write(c.encode());
      stdin.write('\n');
      stdin.flush();
    } catch (IOException e) {
      throw new AssertionError("the js client is gone; it saw " + seen, e);
    }
  }

  JsBridgeClient awaitOpen(Duration timeout) {
    JsonObject open = await(e -> "open".equals(e.getString("ev")) || "close".equals(e.getString("ev")), timeout);
    if (!"open".equals(open.getString("ev"))) {
      throw new AssertionError("the " + transport.clientName + " client closed instead of opening: " + open);
    }
    if (transport != Transport.RAW && !transport.clientName.equals(open.getString("transport"))) {
      throw new AssertionError("opened over " + open.getString("transport") + ", not " + transport.clientName);
    }
    return this;
  }

  void register(String address) {
    command(new JsonObject().put("op", "register").put("address", address));
  }

  void register(String address, JsonObject headers) {
    command(new JsonObject().put("op", "register").put("address", address).put("headers", headers));
  }

  void unregister(String address) {
    command(new JsonObject().put("op", "unregister").put("address", address));
  }

  void publish(String address, Object body) {
    command(new JsonObject().put("op", "publish").put("address", address).put("body", body));
  }

  /** A request: its answer comes back as a {@code rec} or {@code err} event with this {@code id}. */
  void request(String id, String address, Object body) {
    command(new JsonObject().put("op", "request").put("id", id).put("address", address).put("body", body));
  }

  /**
   * Answers the message last received with this {@code to} (a request's id, or a registered
   * address) through its {@code msg.reply}, asking for a reply in turn: that answer comes back as a
   * {@code rec} or {@code err} event with {@code id}.
   */
  void reply(String id, String to, Object body, JsonObject headers) {
    command(new JsonObject().put("op", "reply").put("id", id).put("to", to).put("body", body).put("headers", headers));
  }

  /** Text straight onto the connection, as a buggy client would send it. */
  void raw(String text) {
    command(new JsonObject().put("op", "raw").put("text", text));
  }

  /** The next event matching {@code p}; others are skipped (and named if none matches). */
  JsonObject await(Predicate<JsonObject> p, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      JsonObject e;
      try {
        e = left <= 0 ? null : events.poll(left, TimeUnit.NANOSECONDS);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        throw new AssertionError(ie);
      }
      if (e == null) {
        throw new AssertionError("no matching event within " + timeout + " over " + transport.clientName + "; the client saw " + seen);
      }
      if (p.test(e)) {
        return e;
      }
    }
  }

  JsonObject awaitEvent(String ev, Duration timeout) {
    return await(e -> ev.equals(e.getString("ev")), timeout);
  }

  /** Everything the client has seen so far. */
  List<JsonObject> seen() {
    return List.copyOf(seen);
  }

  @Override
  public void close() {
    try {
      stdin.close();
    } catch (IOException ignored) {
      // the process may have exited already
    }
    try {
      if (!process.waitFor(2, TimeUnit.SECONDS)) {
        process.destroy();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
