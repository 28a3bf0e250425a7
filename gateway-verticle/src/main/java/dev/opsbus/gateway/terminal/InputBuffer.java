package dev.opsbus.gateway.terminal;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayDeque;
import java.util.List;

/**
 * Keystrokes typed before the terminal is ready (the relay has not answered the attach yet), kept
 * in order up to {@value #MAX_BYTES} bytes and {@value #MAX_CHUNKS} frames. Past the bound input is
 * refused, and stays refused until the terminal is ready, so what is delivered has no hole in it:
 * the socket tells the browser which input was refused.
 */
final class InputBuffer {

  static final int MAX_BYTES = 64 * 1024;
  static final int MAX_CHUNKS = 1024;

  private ArrayDeque<Buffer> chunks;
  private int bytes;
  private boolean refusing;

  /** Keeps a chunk for later; false (and every later chunk refused too) when over the bound. */
  boolean offer(Buffer chunk) {
    if (refusing || bytes + chunk.length() > MAX_BYTES || (chunks != null && chunks.size() >= MAX_CHUNKS)) {
      refusing = true;
      return false;
    }
    if (chunks == null) {
      chunks = new ArrayDeque<>();
    }
    chunks.add(chunk);
    bytes += chunk.length();
    return true;
  }

  /** Input was refused since the last {@link #drain}. */
  boolean refused() {
    return refusing;
  }

  /** Bytes held. */
  int bytes() {
    return bytes;
  }

  /** Everything held, in the order typed; the buffer is empty and takes input again afterwards. */
  List<Buffer> drain() {
    List<Buffer> out = chunks == null ? List.of() : List.copyOf(chunks);
    chunks = null;
    bytes = 0;
    refusing = false;
    return out;
  }
}
