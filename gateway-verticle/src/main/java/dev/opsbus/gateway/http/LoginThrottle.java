package dev.opsbus.gateway.http;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Slows password guessing: after {@code maxPerUser} failed logins for one username, or
 * {@code maxPerAddress} from one client address (higher: many people may share one address), within
 * {@code windowMillis}, further attempts are refused with 429 until the window passes. Per node;
 * event-loop confined.
 */
final class LoginThrottle {

  private final int maxPerUser;
  private final int maxPerAddress;
  private final long windowMillis;
  private final Map<String, long[]> failures = new HashMap<>();

  LoginThrottle(int maxPerUser, int maxPerAddress, long windowMillis) {
    this.maxPerUser = maxPerUser;
    this.maxPerAddress = maxPerAddress;
    this.windowMillis = windowMillis;
  }

  /** Seconds to wait before trying again, or 0 when an attempt is allowed now. */
  long retryAfterSeconds(String remote, String username) {
    long now = System.currentTimeMillis();
    long wait = Math.max(waitFor("ip:" + remote, maxPerAddress, now), waitFor("user:" + username, maxPerUser, now));
    return wait == 0 ? 0 : Math.max(1, wait / 1000);
  }

  private long waitFor(String key, int maxFailures, long now) {
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
