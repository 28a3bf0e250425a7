package dev.opsbus.demohost;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads a stream on its own thread and lets a test wait, with a deadline, for text to appear. */
final class StreamWatcher {

  private final StringBuilder text = new StringBuilder();
  private boolean ended;
  private int mark;

  StreamWatcher(InputStream in, String name) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[4096];
      try {
        for (int n; (n = in.read(buf)) >= 0; ) {
          synchronized (this) {
            text.append(new String(buf, 0, n, StandardCharsets.UTF_8));
            notifyAll();
          }
        }
      } catch (IOException e) {
        // the channel closed
      } finally {
        synchronized (this) {
          ended = true;
          notifyAll();
        }
      }
    }, name);
    t.setDaemon(true);
    t.start();
  }

  /**
   * Waits for {@code regex} in what arrived after the previous match and returns the match's first
   * group (or the whole match); fails with everything seen when the deadline passes.
   */
  synchronized String await(String regex, Duration timeout) throws InterruptedException {
    Pattern p = Pattern.compile(regex);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Matcher m = p.matcher(text);
      if (m.find(mark)) {
        mark = m.end();
        return m.groupCount() > 0 ? m.group(1) : m.group();
      }
      long left = deadline - System.nanoTime();
      if (left <= 0 || ended) {
        throw new AssertionError("no /" + regex + "/ within " + timeout.toMillis() + " ms" + (ended ? " (stream ended)" : "")
            + "; output after the last match:\n" + text.substring(mark));
      }
      wait(Math.max(1, left / 1_000_000));
    }
  }

  synchronized void awaitEnd(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!ended) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("stream did not end within " + timeout.toMillis() + " ms");
      }
      wait(Math.max(1, left / 1_000_000));
    }
  }
}
