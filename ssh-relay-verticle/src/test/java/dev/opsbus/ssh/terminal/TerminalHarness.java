package dev.opsbus.ssh.terminal;

import dev.opsbus.model.BusIdentity;
import static org.assertj.core.api.Assertions.fail;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * Drives the relay through the bus the way the gateway does: identity headers on every request,
 * subscribe to a session's output before attaching, dedupe by the {@code off} header. Blocking
 * helpers for the JUnit thread (never an event loop), each bounded by a deadline.
 */
final class TerminalHarness {

  static final Duration WAIT = Duration.ofSeconds(15);

  private TerminalHarness() {
  }

  /** Who sends a message: the headers the gateway would set. */
  record Who(String user, String roles, String hosts) {
    DeliveryOptions options() {
      return new DeliveryOptions().addHeader(BusIdentity.USER, user).addHeader(BusIdentity.ROLES, roles).addHeader(BusIdentity.HOSTS, hosts)
          .setSendTimeout(WAIT.toMillis());
    }
  }

  static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new AssertionError("no answer within " + WAIT, e);
    }
  }

  @SuppressWarnings("unchecked")
  static <T> T request(Vertx vertx, String address, Object body, Who who) {
    return (T) await(vertx.eventBus().request(address, body, who.options())).body();
  }

  /** The code a request fails with; fails the test when it succeeds. */
  static ErrorCode refusal(Vertx vertx, String address, Object body, Who who) {
    try {
      Object reply = request(vertx, address, body, who);
      return fail("expected a refusal from " + address + " but got " + reply);
    } catch (ReplyException e) {
      return ErrorCode.fromFailureCode(e.failureCode());
    }
  }

  static void type(Vertx vertx, String sid, Who who, String keys) {
    request(vertx, Addresses.SSH_SESSION_IN.format(sid), Buffer.buffer(keys), who);
  }

  /**
   * What one browser socket sees: subscribed to the output before attaching, then the scrollback,
   * then live chunks trimmed by offset so nothing is shown twice or skipped.
   */
  static final class Screen {
    private final ByteArrayOutputStream seen = new ByteArrayOutputStream();
    private final List<long[]> early = new ArrayList<>();
    private final List<byte[]> earlyBytes = new ArrayList<>();
    private final MessageConsumer<Buffer> consumer;
    private long start = -1;
    private long offset;
    private boolean attached;
    private JsonObject attachReply;
    private int gaps;
    private int chunks;

    private Screen(Vertx vertx, String sid) {
      consumer = vertx.eventBus().consumer(Addresses.SSH_SESSION_OUT.format(sid), m -> chunk(Long.parseLong(m.headers().get("off")), m.body().getBytes()));
      await(consumer.completion());
    }

    /** Subscribes, then attaches as {@code who}; the attach reply is kept. */
    static Screen attach(Vertx vertx, String sid, Who who) {
      Screen s = new Screen(vertx, sid);
      JsonObject reply = request(vertx, Addresses.SSH_ATTACH, new JsonObject().put("sessionId", sid), who);
      s.attached(reply);
      return s;
    }

    /** Only watches the output from now on (no attach, no scrollback). */
    static Screen watch(Vertx vertx, String sid) {
      Screen s = new Screen(vertx, sid);
      s.attached(null);
      return s;
    }

    private synchronized void attached(JsonObject reply) {
      attachReply = reply;
      if (reply != null) {
        byte[] back = Base64.getDecoder().decode(reply.getString("scrollback"));
        offset = reply.getLong("offset");
        start = offset - back.length;
        seen.writeBytes(back);
      }
      attached = true;
      for (int i = 0; i < early.size(); i++) {
        forward(early.get(i)[0], earlyBytes.get(i));
      }
      early.clear();
      earlyBytes.clear();
      notifyAll();
    }

    private synchronized void chunk(long off, byte[] bytes) {
      chunks++;
      if (!attached) {
        early.add(new long[] {off});
        earlyBytes.add(bytes);
        return;
      }
      forward(off, bytes);
      notifyAll();
    }

    private void forward(long off, byte[] bytes) {
      if (start < 0) {
        start = off;
        offset = off;
      }
      if (off > offset) {
        gaps++;
      }
      long end = off + bytes.length;
      if (end <= offset) {
        return;
      }
      int skip = (int) (offset - off);
      seen.write(bytes, skip, bytes.length - skip);
      offset = end;
    }

    /** Chunks that started after the last byte seen: output that was skipped (must stay 0). */
    synchronized int gaps() {
      return gaps;
    }

    /** Output messages received. */
    synchronized int chunks() {
      return chunks;
    }

    JsonObject attachReply() {
      return attachReply;
    }

    synchronized String text() {
      return seen.toString(StandardCharsets.UTF_8);
    }

    /** Byte offset of the first byte this screen holds. */
    synchronized long start() {
      return start;
    }

    synchronized byte[] bytes() {
      return seen.toByteArray();
    }

    synchronized long end() {
      return offset;
    }

    /** Waits until the text shown contains {@code needle}; returns the text. */
    synchronized String awaitText(String needle) {
      return awaitText(s -> s.contains(needle), "'" + needle.replace("\r", "\\r").replace("\n", "\\n") + "'");
    }

    /**
     * Waits until the screen shows a whole line equal to {@code line}, once escape sequences and
     * carriage returns are dropped (a shell may start a line with "ESC[?2004l\r").
     */
    synchronized String awaitLine(String line) {
      return awaitText(s -> lines(s).contains(line), "the line '" + line + "'");
    }

    static List<String> lines(String text) {
      List<String> out = new ArrayList<>();
      for (String l : text.replaceAll("\u001b\\[[0-9;?]*[A-Za-z]", "").split("\n")) {
        String t = l.replace("\r", "");
        int cr = l.lastIndexOf('\r', l.length() - 2);
        out.add(t);
        if (cr >= 0) {
          // what a carriage return in mid-line overwrote
          out.add(l.substring(cr + 1).replace("\r", ""));
        }
      }
      return out;
    }

    synchronized String awaitText(Predicate<String> condition, String what) {
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (!condition.test(text())) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return fail("the terminal never showed " + what + " within " + WAIT + "; it showed:\n" + text());
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(this, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError(e);
        }
      }
      return text();
    }

    /** Waits until this screen holds every byte up to {@code end}. */
    synchronized void awaitEnd(long end) {
      awaitText(s -> offset >= end, "output up to byte " + end);
    }

    void close() {
      await(consumer.unregister());
    }
  }

  /** Collects JSON messages published on an address, for awaiting one that matches. */
  static final class Events {
    private final List<JsonObject> seen = new ArrayList<>();
    private final MessageConsumer<JsonObject> consumer;

    Events(Vertx vertx, String address) {
      consumer = vertx.eventBus().consumer(address, m -> add(m.body()));
      TerminalHarness.await(consumer.completion());
    }

    private synchronized void add(JsonObject j) {
      seen.add(j);
      notifyAll();
    }

    synchronized List<JsonObject> all() {
      return List.copyOf(seen);
    }

    synchronized JsonObject await(Predicate<JsonObject> condition, String what) {
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (true) {
        for (JsonObject j : seen) {
          if (condition.test(j)) {
            return j;
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return fail("never saw " + what + " within " + WAIT + "; saw " + seen);
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(this, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError(e);
        }
      }
    }

    void close() {
      TerminalHarness.await(consumer.unregister());
    }
  }
}
