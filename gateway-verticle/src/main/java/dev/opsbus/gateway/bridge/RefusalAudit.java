package dev.opsbus.gateway.bridge;

import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.event.ActivityEvent;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refusals go to the activity log and the log as aggregates, so one client cannot fill the disk
 * (issue 11, point 4): per source (a connection, or a client address for refused handshakes) and
 * error code, the first refusal of a window is written at once, with its address and sentence;
 * the rest of that window become one entry at its end ("N more refusals of code X on ..."), with up
 * to {@value #SAMPLES} of the addresses they named. A source's open windows are written when it
 * closes. That is at most two activity rows and two log lines per source, code and window,
 * whatever the client sends.
 *
 * <p>Addresses and sentences are made storable before they are written: control characters (NUL
 * included, which PostgreSQL refuses in text) and lone surrogates become {@code \\uXXXX}, and
 * overlong values are cut, so a refusal is never lost because of what it refused. Event-loop confined.
 */
public final class RefusalAudit {

  private static final Logger LOG = LoggerFactory.getLogger(RefusalAudit.class);
  /** Distinct addresses an aggregate names. */
  static final int SAMPLES = 5;
  /** Longest address or sentence written; longer ones are cut with an ellipsis. */
  static final int MAX_TEXT = 300;

  private record Key(String source, ErrorCode code) {
  }

  private static final class Window {
    final long startedMs;
    final String username;
    final Map<String, Object> data;
    final Set<String> addresses = new LinkedHashSet<>();
    long more;

    Window(long startedMs, String username, Map<String, Object> data) {
      this.startedMs = startedMs;
      this.username = username;
      this.data = data;
    }
  }

  private final Vertx vertx;
  private final String nodeId;
  private final long windowMs;
  private final Consumer<ActivityEvent> sink;
  private final Map<Key, Window> windows = new HashMap<>();
  private long timer = -1;

  /** @param sink where entries go ({@code activity.events}) */
  public RefusalAudit(Vertx vertx, String nodeId, Duration window, Consumer<ActivityEvent> sink) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.windowMs = window.toMillis();
    this.sink = sink;
  }

  public void start() {
    timer = vertx.setPeriodic(Math.max(100, windowMs / 4), t -> closeWindows(System.currentTimeMillis()));
  }

  /** Writes what is pending and stops the clock. */
  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
    closeWindows(Long.MAX_VALUE);
  }

  /**
   * One refusal.
   *
   * @param source who was refused: {@code connection 17}, {@code address 203.0.113.7}
   * @param data what else the entry carries (transport, remote address...); strings in it are escaped
   */
  public synchronized void refused(String source, String username, String address, ErrorCode code, String message, Map<String, Object> data) {
    long now = System.currentTimeMillis();
    Key key = new Key(source, code);
    Window w = windows.get(key);
    if (w != null && now - w.startedMs >= windowMs) {
      write(key, w);
      windows.remove(key);
      w = null;
    }
    if (w == null) {
      Map<String, Object> clean = clean(data);
      windows.put(key, new Window(now, username, clean));
      String a = printable(address);
      sink.accept(ActivityEvent.of(ActivityEvent.ACCESS_DENIED, username, nodeId, a, code.wireName(), printable(message), clean));
      LOG.info("refused: node={} {} user={} address={} code={}", nodeId, source, username == null ? "-" : username, a, code.wireName());
      return;
    }
    w.more++;
    if (address != null && w.addresses.size() < SAMPLES) {
      w.addresses.add(printable(address));
    }
  }

  /** The source is gone (a connection closed): its open windows are written now. */
  public synchronized void flush(String source) {
    for (Iterator<Map.Entry<Key, Window>> it = windows.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Key, Window> e = it.next();
      if (e.getKey().source().equals(source)) {
        write(e.getKey(), e.getValue());
        it.remove();
      }
    }
  }

  /** Windows being counted (for tests and metrics). */
  public synchronized int openWindows() {
    return windows.size();
  }

  private synchronized void closeWindows(long now) {
    List<Map.Entry<Key, Window>> due = new ArrayList<>();
    for (Map.Entry<Key, Window> e : windows.entrySet()) {
      if (now - e.getValue().startedMs >= windowMs) {
        due.add(e);
      }
    }
    for (Map.Entry<Key, Window> e : due) {
      windows.remove(e.getKey());
      write(e.getKey(), e.getValue());
    }
  }

  private void write(Key key, Window w) {
    if (w.more == 0) {
      return;
    }
    long seconds = Math.max(1, (Math.min(System.currentTimeMillis(), w.startedMs + windowMs) - w.startedMs + 999) / 1000);
    String where = w.addresses.isEmpty() ? "no address" : (w.addresses.size() < SAMPLES ? "" : "addresses such as ") + String.join(", ", w.addresses);
    String message = w.more + " more refusals of code " + key.code().wireName() + " on " + where + " within " + seconds + " s";
    Map<String, Object> data = new LinkedHashMap<>(w.data);
    data.put("count", w.more);
    data.put("addresses", List.copyOf(w.addresses));
    data.put("windowSeconds", windowMs / 1000.0);
    sink.accept(ActivityEvent.of(ActivityEvent.ACCESS_DENIED, w.username, nodeId, null, key.code().wireName(), printable(message), data));
    LOG.info("refused: node={} {} user={} code={} {} more times within {} s (addresses: {})", nodeId, key.source(),
        w.username == null ? "-" : w.username, key.code().wireName(), w.more, seconds, where);
  }

  private static Map<String, Object> clean(Map<String, Object> data) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (data != null) {
      data.forEach((k, v) -> out.put(k, v instanceof String s ? printable(s) : v));
    }
    return out;
  }

  /**
   * {@code text} as it can be stored and read: control characters and lone surrogates as
   * {@code \\uXXXX}, at most {@value #MAX_TEXT} characters; null stays null.
   */
  public static String printable(String text) {
    if (text == null) {
      return null;
    }
    StringBuilder b = null;
    int n = Math.min(text.length(), MAX_TEXT);
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      boolean lone = Character.isSurrogate(c) && !(Character.isHighSurrogate(c) && i + 1 < n
          && Character.isLowSurrogate(text.charAt(i + 1))) && !(Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(text.charAt(i - 1)));
      if (c < 0x20 || c == 0x7f || lone) {
        if (b == null) {
          b = new StringBuilder(n + 16).append(text, 0, i);
        }
        b.append(String.format("\\u%04x", (int) c));
      } else if (b != null) {
        b.append(c);
      }
    }
    String out = b == null ? text.substring(0, n) : b.toString();
    return text.length() > MAX_TEXT ? out + "…" : out;
  }
}
