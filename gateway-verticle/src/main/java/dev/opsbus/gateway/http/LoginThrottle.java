package dev.opsbus.gateway.http;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Slows password guessing: after {@code maxFailures} failed logins from one client address, or for
 * one username, within {@code windowMillis}, further attempts are refused with 429 until the window
 * passes. Per node; event-loop confined.
 */
final class LoginThrottle {

  private final int maxFailures;
  private final long windowMillis;
  private final Map<String, long[]> failures = new HashMap<>();

  LoginThrottle(int maxFailures, long windowMillis) {
    this.maxFailures = maxFailures;
    this.windowMillis = windowMillis;
  }

  /** Seconds to wait before trying again, or 0 when an attempt is allowed now. */
  long retryAfterSeconds(String remote, String username) {
    long now = System.currentTimeMillis();
    long wait = Math.max(waitFor("ip:" + remote, now), waitFor("user:" + username, now));
    return wait == 0 ? 0 : Math.max(1, wait / 1000);
  }

  private long waitFor(String key, long now) {
    long[] f = failures.get(key);
    if (f == null || now - f[1] > windowMillis) {
      return 0;
    }
    return f[0] >= maxFailures ? windowMillis - (now - f[1]) : 0;
  }

  void failed(String remote, String username) {
    long now = System.currentTimeMillis();
    bump("ip:" + remote, now);
    bump("user:" + username, now);
    if (failures.size() > 10_000) {
      for (Iterator<long[]> it = failures.values().iterator(); it.hasNext(); ) {
        if (now - it.next()[1] > windowMillis) {
          it.remove();
        }
      }
    }
  }

  void succeeded(String username) {
    failures.remove("user:" + username);
  }

  private void bump(String key, long now) {
    long[] f = failures.get(key);
    if (f == null || now - f[1] > windowMillis) {
      // [count, window start]
      failures.put(key, new long[] {1, now});
    } else {
      f[0]++;
    }
  }
}
