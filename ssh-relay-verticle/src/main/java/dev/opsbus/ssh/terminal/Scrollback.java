package dev.opsbus.ssh.terminal;

/**
 * The last {@code capacity} bytes of a terminal's output, kept so that a late joiner or a
 * reattaching browser first sees what is on the screen. Not thread-safe: its session's event loop
 * owns it.
 */
final class Scrollback {

  private final byte[] ring;
  private int start;
  private int size;

  Scrollback(int capacity) {
    if (capacity < 0) {
      throw new IllegalArgumentException("scrollback capacity must not be negative: " + capacity);
    }
    ring = new byte[capacity];
  }

  void append(byte[] bytes) {
    int cap = ring.length;
    if (cap == 0 || bytes.length == 0) {
      return;
    }
    int from = 0;
    int len = bytes.length;
    if (len >= cap) {
      // only the tail of a chunk larger than the ring survives
      from = len - cap;
      len = cap;
      start = 0;
      size = 0;
    }
    int end = (start + size) % cap;
    int first = Math.min(len, cap - end);
    System.arraycopy(bytes, from, ring, end, first);
    System.arraycopy(bytes, from + first, ring, 0, len - first);
    int overflow = size + len - cap;
    if (overflow > 0) {
      start = (start + overflow) % cap;
      size = cap;
    } else {
      size += len;
    }
  }

  /** A copy of the bytes kept, oldest first. */
  byte[] snapshot() {
    byte[] out = new byte[size];
    int first = Math.min(size, ring.length - start);
    System.arraycopy(ring, start, out, 0, first);
    System.arraycopy(ring, 0, out, first, size - first);
    return out;
  }

  int size() {
    return size;
  }
}
