package dev.opsbus.ssh.terminal;

import dev.opsbus.ssh.recording.RecordingLimits;
import dev.opsbus.ssh.recording.RecordingStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records one terminal in asciicast v2 (a JSON header line, then {@code [seconds, "o"|"i"|"r"|"m", data]}
 * lines) into the database ({@link RecordingStore}), so that every node can list and serve it.
 * Lines gather in memory and go out as one chunk at {@link #CHUNK_BYTES} or {@link #FLUSH_MS} after
 * the first, one insert at a time; the reactive client never makes the event loop wait. Bounded
 * twice: past {@link RecordingLimits#maxBytes} the recording stops with a marker event
 * ({@code "m"}) saying so and the row is flagged {@code truncated}; and when the database falls
 * {@link #MAX_QUEUED_BYTES} behind, it stops the same way rather than hold more in memory. Output
 * split in the middle of a UTF-8 character is held back until the rest arrives. Used on one event loop.
 */
final class AsciicastRecorder {

  private static final Logger LOG = LoggerFactory.getLogger(AsciicastRecorder.class);

  /** A chunk goes out at this size ... */
  static final int CHUNK_BYTES = 64 * 1024;
  /** ... or this long after its first line. */
  static final long FLUSH_MS = 1000;
  /** Text waiting for the database past which the recording stops. */
  static final long MAX_QUEUED_BYTES = 4L * 1024 * 1024;
  /** Kept free under the size limit for the stop marker. */
  static final int MARKER_RESERVE = 256;

  private final Vertx vertx;
  private final RecordingStore store;
  private final RecordingLimits limits;
  private final String sessionId;
  private final String hostId;
  private final String owner;
  private final String nodeId;
  private final Utf8Stream out = new Utf8Stream();
  private final Utf8Stream in = new Utf8Stream();
  private long startNanos;
  private boolean opened;
  private final StringBuilder pending = new StringBuilder();
  private long pendingBytes;
  private long queuedBytes;
  private long size;
  private int seq;
  private long flushTimer = -1;
  private Future<Void> lastWrite = Future.succeededFuture();
  private boolean stopped;
  private String stopReason;
  private boolean failed;
  private boolean closed;

  AsciicastRecorder(Vertx vertx, RecordingStore store, RecordingLimits limits, String sessionId, String hostId, String owner,
      String nodeId) {
    this.vertx = vertx;
    this.store = store;
    this.limits = limits;
    this.sessionId = sessionId;
    this.hostId = hostId;
    this.owner = owner;
    this.nodeId = nodeId;
  }

  /** Creates the recording's row and writes the header. */
  Future<Void> open(int cols, int rows, String title) {
    startNanos = System.nanoTime();
    Instant now = Instant.now();
    JsonObject header = new JsonObject().put("version", 2).put("width", cols).put("height", rows)
        .put("timestamp", now.getEpochSecond())
        .put("env", new JsonObject().put("TERM", TerminalSession.TERM))
        .put("title", title);
    return store.create(sessionId, hostId, owner, nodeId, now).map(v -> {
      opened = true;
      line(header.encode());
      return null;
    });
  }

  void output(byte[] bytes) {
    String text = out.decode(bytes);
    if (!text.isEmpty()) {
      event("o", text);
    }
  }

  void input(byte[] bytes) {
    String text = in.decode(bytes);
    if (!text.isEmpty()) {
      event("i", text);
    }
  }

  void resize(int cols, int rows) {
    event("r", cols + "x" + rows);
  }

  /** The recording stopped before the session ended (size limit, database behind); null while it runs. */
  String stopReason() {
    return stopReason;
  }

  /** Completes when everything recorded so far is in the database. */
  Future<Void> flush() {
    sendPending();
    return lastWrite;
  }

  /** Writes what is left, then the end time. */
  Future<Void> close() {
    if (!opened || closed) {
      return lastWrite;
    }
    closed = true;
    sendPending();
    lastWrite = lastWrite.transform(ignored -> store.finish(sessionId, Instant.now(), stopped, stopReason))
        .onFailure(e -> LOG.warn("recording of session {}: its end could not be written: {}", sessionId, e.getMessage()));
    return lastWrite;
  }

  private void event(String kind, String data) {
    if (!opened || closed || stopped) {
      return;
    }
    String line = new JsonArray().add(seconds()).add(kind).add(data).encode();
    long bytes = utf8Length(line) + 1;
    if (size + bytes > limits.maxBytes() - MARKER_RESERVE) {
      stop("size limit of " + limits.maxBytes() + " bytes reached");
      return;
    }
    line(line);
    if (queuedBytes + pendingBytes > MAX_QUEUED_BYTES) {
      stop("the database fell " + MAX_QUEUED_BYTES + " bytes behind");
    }
  }

  /** Stops recording for good; the last line is a marker saying why. */
  private void stop(String why) {
    stopped = true;
    stopReason = why;
    line(new JsonArray().add(seconds()).add("m").add("recording stopped: " + why).encode());
    LOG.info("recording of session {} stopped: {}", sessionId, why);
    sendPending();
  }

  private void line(String line) {
    long bytes = utf8Length(line) + 1;
    pending.append(line).append('\n');
    pendingBytes += bytes;
    size += bytes;
    if (pendingBytes >= CHUNK_BYTES) {
      sendPending();
    } else if (flushTimer < 0) {
      flushTimer = vertx.setTimer(FLUSH_MS, t -> {
        flushTimer = -1;
        sendPending();
      });
    }
  }

  /** Queues what is pending as the next chunk, behind the chunks before it. */
  private void sendPending() {
    if (flushTimer >= 0) {
      vertx.cancelTimer(flushTimer);
      flushTimer = -1;
    }
    if (pendingBytes == 0 || failed) {
      return;
    }
    String text = pending.toString();
    long bytes = pendingBytes;
    int n = seq++;
    boolean truncated = stopped;
    String reason = stopReason;
    pending.setLength(0);
    pendingBytes = 0;
    queuedBytes += bytes;
    lastWrite = lastWrite.transform(ignored -> store.append(sessionId, n, text, bytes, truncated, reason))
        .onComplete(ar -> {
          queuedBytes -= bytes;
          if (ar.failed() && !failed) {
            failed = true;
            LOG.warn("recording of session {} stopped: chunk {} could not be written: {}", sessionId, n, ar.cause().getMessage());
          }
        })
        .otherwiseEmpty();
  }

  private double seconds() {
    return Math.round((System.nanoTime() - startNanos) / 1_000.0) / 1_000_000.0;
  }

  static long utf8Length(String s) {
    long n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n++;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }

  /** Decodes a byte stream as UTF-8 across chunk boundaries; malformed bytes become U+FFFD. */
  static final class Utf8Stream {
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
    private byte[] carry = new byte[0];

    String decode(byte[] bytes) {
      ByteBuffer src = ByteBuffer.allocate(carry.length + bytes.length);
      src.put(carry).put(bytes).flip();
      CharBuffer dst = CharBuffer.allocate(src.remaining() + 1);
      decoder.decode(src, dst, false);
      carry = new byte[src.remaining()];
      src.get(carry);
      dst.flip();
      return dst.toString();
    }
  }
}
