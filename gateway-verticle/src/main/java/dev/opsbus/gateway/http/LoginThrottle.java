package dev.opsbus.gateway.http;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Slows password guessing. Every attempt takes a slot <em>before</em> its password is checked, in
 * one synchronized step, so parallel guesses count one each however many are in flight; a correct
 * password gives its slot back. Within one window ({@code windowMillis} from the first attempt):
 *
 * <ul>
 *   <li>{@code maxPerUserAndSource} attempts at one username from one client address;
 *   <li>{@code maxPerSource} attempts from one client address, whatever the usernames (higher: many
 *       people may share an address).
 * </ul>
 *
 * The lock-out is per username <em>and</em> address, so somebody guessing from elsewhere cannot
 * lock the real user out. Per node; the client address comes from {@link ClientAddress}.
 */
final class LoginThrottle {

  private static final int PRUNE_ABOVE = 10_000;

  private final int maxPerUserAndSource;
  private final int maxPerSource;
  private final long windowMillis;
  private final LongSupplier clock;
  /** key → [attempts, window start] */
  private final Map<String, long[]> attempts = new HashMap<>();

  LoginThrottle(int maxPerUserAndSource, int maxPerSource, long windowMillis) {
    this(maxPerUserAndSource, maxPerSource, windowMillis, System::currentTimeMillis);
  }

  LoginThrottle(int maxPerUserAndSource, int maxPerSource, long windowMillis, LongSupplier clock) {
    this.maxPerUserAndSource = maxPerUserAndSource;
    this.maxPerSource = maxPerSource;
    this.windowMillis = windowMillis;
    this.clock = clock;
  }

  /**
   * Takes a slot for one attempt: 0 when taken (the attempt counts from now on, as a failure until
   * {@link #succeeded} or {@link #released} says otherwise), else the seconds to wait.
   */
  synchronized long reserve(String source, String username) {
    long now = clock.getAsLong();
    String sourceKey = sourceKey(source);
    String userKey = userKey(source, username);
    long wait = Math.max(waitFor(sourceKey, maxPerSource, now), waitFor(userKey, maxPerUserAndSource, now));
    if (wait > 0) {
      return Math.max(1, (wait + 999) / 1000);
    }
    bump(sourceKey, now);
    bump(userKey, now);
    prune(now);
    return 0;
  }

  /** The password was right: this user's count from this address starts again, and the slot is given back. */
  synchronized void succeeded(String source, String username) {
    attempts.remove(userKey(source, username));
    refund(sourceKey(source));
  }

  /** The password was never checked (the database failed): the slot is given back. */
  synchronized void released(String source, String username) {
    refund(userKey(source, username));
    refund(sourceKey(source));
  }

  private static String sourceKey(String source) {
    return "s\n" + source;
  }

  private static String userKey(String source, String username) {
    return "u\n" + source + "\n" + username;
  }

  private long waitFor(String key, int max, long now) {
    long[] a = attempts.get(key);
    if (a == null || now - a[1] >= windowMillis) {
      return 0;
    }
    return a[0] >= max ? windowMillis - (now - a[1]) : 0;
  }

  private void bump(String key, long now) {
    long[] a = attempts.get(key);
    if (a == null || now - a[1] >= windowMillis) {
      attempts.put(key, new long[] {1, now});
    } else {
      a[0]++;
    }
  }

  private void refund(String key) {
    long[] a = attempts.get(key);
    if (a != null && a[0] > 0) {
      a[0]--;
    }
  }

  private void prune(long now) {
    if (attempts.size() <= PRUNE_ABOVE) {
      return;
    }
    for (Iterator<long[]> it = attempts.values().iterator(); it.hasNext(); ) {
      if (now - it.next()[1] >= windowMillis) {
        it.remove();
      }
    }
  }
}
