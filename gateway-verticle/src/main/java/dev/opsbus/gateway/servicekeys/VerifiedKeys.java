package dev.opsbus.gateway.servicekeys;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Keys this node verified lately, by the SHA-256 of their secret, so a service calling HTTP many
 * times a second costs the database one read per key and {@code ttl}, not one per call. An entry is
 * dropped when its key's revocation message arrives; if that message is missed the entry ages out
 * after {@code ttl} (the same interval as the recheck that cuts open connections), so a revoked key
 * keeps working for no longer than a connection opened with it would. Bounded: past {@code maxEntries}
 * the aged entries go first, then all of them (a flood of distinct live keys only costs reads again).
 * Only keys that verified are kept: an unknown secret always asks the database.
 */
final class VerifiedKeys {

  private record Entry(ServiceKey key, long verifiedAtNanos) {
  }

  private final Map<String, Entry> byHash = new ConcurrentHashMap<>();
  /** Counts {@link #forget} calls: a database read that began before one must not put back what it forgot. */
  private final java.util.concurrent.atomic.AtomicLong forgets = new java.util.concurrent.atomic.AtomicLong();
  private final long ttlNanos;
  private final int maxEntries;
  private final LongSupplier nanoClock;

  VerifiedKeys(long ttlNanos, int maxEntries, LongSupplier nanoClock) {
    this.ttlNanos = ttlNanos;
    this.maxEntries = maxEntries;
    this.nanoClock = nanoClock;
  }

  /** The key verified for this hash less than {@code ttl} ago, else null. */
  ServiceKey fresh(String secretHash) {
    Entry e = byHash.get(secretHash);
    if (e == null) {
      return null;
    }
    if (nanoClock.getAsLong() - e.verifiedAtNanos >= ttlNanos) {
      byHash.remove(secretHash, e);
      return null;
    }
    return e.key;
  }

  /** Taken before reading a key from the database, handed to {@link #put}. */
  long generation() {
    return forgets.get();
  }

  /** Remembers the key unless a key was forgotten since {@code generation} (a revocation raced the read). */
  void put(String secretHash, ServiceKey key, long generation) {
    if (forgets.get() != generation) {
      return;
    }
    put(secretHash, key);
  }

  void put(String secretHash, ServiceKey key) {
    if (byHash.size() >= maxEntries) {
      dropAged();
      if (byHash.size() >= maxEntries) {
        byHash.clear();
      }
    }
    byHash.put(secretHash, new Entry(key, nanoClock.getAsLong()));
  }

  /** Forgets every entry of the key of that name (revoked, expired). */
  void forget(String keyName) {
    forgets.incrementAndGet();
    byHash.values().removeIf(e -> e.key.name().equals(keyName));
  }

  int size() {
    return byHash.size();
  }

  private void dropAged() {
    long now = nanoClock.getAsLong();
    for (Iterator<Entry> it = byHash.values().iterator(); it.hasNext(); ) {
      if (now - it.next().verifiedAtNanos >= ttlNanos) {
        it.remove();
      }
    }
  }
}
