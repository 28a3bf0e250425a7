package dev.opsbus.bench;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;
import java.nio.charset.StandardCharsets;

/**
 * Finds a bench message's stamp in a received frame without parsing it: the first occurrence of
 * the key ({@code "t":}) from the start of the payload, then the integer after it (spaces allowed).
 * Reads the {@link ByteBuf} in place through {@link ByteBuf#forEachByte}; no copy, no allocation.
 * The stamp comes before the pad in every server's body, so the scan stops within the first 100 bytes
 * or so. One instance per thread (it keeps the match state).
 */
final class StampScan implements ByteProcessor {

  /** Returned when the frame holds no stamp. */
  static final long NONE = Long.MIN_VALUE;

  static final byte[] KEY = "\"t\":".getBytes(StandardCharsets.US_ASCII);

  private final byte[] key;
  private final int[] fallback;
  private int matched;

  StampScan(byte[] key) {
    this.key = key.clone();
    // KMP failure table, so that a partial match never hides a real one
    this.fallback = new int[key.length];
    for (int i = 1, k = 0; i < key.length; i++) {
      while (k > 0 && key[i] != key[k]) {
        k = fallback[k - 1];
      }
      if (key[i] == key[k]) {
        k++;
      }
      fallback[i] = k;
    }
  }

  @Override
  public boolean process(byte b) {
    int k = matched;
    while (k > 0 && b != key[k]) {
      k = fallback[k - 1];
    }
    if (b == key[k]) {
      k++;
    }
    matched = k;
    return k < key.length; // false stops the scan: the whole key matched
  }

  private int lastEnd;

  /** Index just after what the last {@link #find} read: where to look for a next key. */
  int end() {
    return lastEnd;
  }

  /** True when the key occurs in {@code buf[from, to)} (the number after it does not matter). */
  boolean contains(ByteBuf buf, int from, int to) {
    matched = 0;
    return to - from >= key.length && buf.forEachByte(from, to - from, this) >= 0;
  }

  /** The stamp after the first key in {@code buf[from, to)}, or {@link #NONE}. */
  long find(ByteBuf buf, int from, int to) {
    matched = 0;
    if (to - from < key.length) {
      lastEnd = to;
      return NONE;
    }
    int at = buf.forEachByte(from, to - from, this);
    if (at < 0) {
      lastEnd = to;
      return NONE;
    }
    int i = at + 1;
    while (i < to && buf.getByte(i) == ' ') {
      i++;
    }
    boolean negative = i < to && buf.getByte(i) == '-';
    if (negative) {
      i++;
    }
    long value = 0;
    int digits = 0;
    for (; i < to; i++) {
      int d = buf.getByte(i) - '0';
      if (d < 0 || d > 9) {
        break;
      }
      value = value * 10 + d;
      if (++digits > 18) {
        lastEnd = i;
        return NONE;
      }
    }
    lastEnd = i;
    if (digits == 0) {
      return NONE;
    }
    return negative ? -value : value;
  }
}
