package dev.opsbus.ssh.terminal;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records one terminal in asciicast v2 (a JSON header line, then {@code [seconds, "o"|"i"|"r", data]}
 * lines) through Vert.x async file writes, so the event loop never waits on the disk. Output split
 * in the middle of a UTF-8 character is held back until the rest arrives. Used on one event loop.
 */
final class AsciicastRecorder {

  private static final Logger LOG = LoggerFactory.getLogger(AsciicastRecorder.class);

  /** Recordings and their directory are the node's OS user's alone. */
  static final String FILE_PERMS = "rw-------";
  static final String DIR_PERMS = "rwx------";

  private final Vertx vertx;
  private final String path;
  private final String sessionId;
  private final Utf8Stream out = new Utf8Stream();
  private final Utf8Stream in = new Utf8Stream();
  private long startNanos;
  private AsyncFile file;
  private Future<Void> lastWrite = Future.succeededFuture();
  private boolean failed;
  private boolean closed;

  AsciicastRecorder(Vertx vertx, String path, String sessionId) {
    this.vertx = vertx;
    this.path = path;
    this.sessionId = sessionId;
  }

  String path() {
    return path;
  }

  /** Creates (or truncates) the file and writes the header. */
  Future<Void> open(int cols, int rows, String title) {
    startNanos = System.nanoTime();
    JsonObject header = new JsonObject().put("version", 2).put("width", cols).put("height", rows)
        .put("timestamp", System.currentTimeMillis() / 1000)
        .put("env", new JsonObject().put("TERM", TerminalSession.TERM))
        .put("title", title);
    return vertx.fileSystem().open(path, new OpenOptions().setWrite(true).setCreate(true).setTruncateExisting(true).setPerms(FILE_PERMS))
        .map(f -> {
          file = f;
          write(header.encode());
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

  /** Completes when everything written so far has reached the file. */
  Future<Void> flush() {
    return lastWrite;
  }

  Future<Void> close() {
    if (file == null || closed) {
      return lastWrite;
    }
    closed = true;
    AsyncFile f = file;
    return lastWrite.transform(ignored -> f.close());
  }

  private void event(String kind, String data) {
    double seconds = Math.round((System.nanoTime() - startNanos) / 1_000.0) / 1_000_000.0;
    write(new JsonArray().add(seconds).add(kind).add(data).encode());
  }

  private void write(String line) {
    if (file == null || closed || failed) {
      return;
    }
    Future<Void> w = file.write(Buffer.buffer(line + "\n"));
    w.onFailure(e -> {
      if (!failed) {
        failed = true;
        LOG.warn("recording of session {} stopped: cannot write {}: {}", sessionId, path, e.getMessage());
      }
    });
    lastWrite = Future.join(lastWrite, w).transform(ignored -> Future.succeededFuture());
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
