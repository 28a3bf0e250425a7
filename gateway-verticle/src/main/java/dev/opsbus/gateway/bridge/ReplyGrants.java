package dev.opsbus.gateway.bridge;

import io.vertx.core.eventbus.Message;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The reply addresses one connection was handed in {@code rec} frames (a request sent to an address
 * it registered, or a reply that itself expects a reply), with the message to answer. A connection
 * may answer each of them once, before it expires, and no other reply address. Grants expire after
 * one TTL (the bridge's request timeout: a requester on the bus waits no longer by default), and at
 * most {@code max} are kept, the oldest going first. Expired grants are dropped as new ones come
 * and on each lookup, so no timer runs per connection. Used from the connection's event loop only.
 */
final class ReplyGrants {

  private record Grant(Message<Object> message, long expiresAtNanos) {
  }

  private final int max;
  private final long ttlNanos;
  /** Insertion order is expiry order: every grant lives one TTL. */
  private final LinkedHashMap<String, Grant> grants = new LinkedHashMap<>(4);

  ReplyGrants(int max, long ttlNanos) {
    this.max = max;
    this.ttlNanos = ttlNanos;
  }

  /** The connection was handed {@code message}'s reply address: it may answer it once. */
  void grant(Message<Object> message, long nowNanos) {
    String address = message.replyAddress();
    if (address == null) {
      return;
    }
    purge(nowNanos);
    if (grants.size() >= max) {
      Iterator<Map.Entry<String, Grant>> oldest = grants.entrySet().iterator();
      oldest.next();
      oldest.remove();
    }
    grants.put(address, new Grant(message, nowNanos + ttlNanos));
  }

  /** The message to answer at {@code address}, consumed; null when it was never granted, was answered or expired. */
  Message<Object> take(String address, long nowNanos) {
    purge(nowNanos);
    Grant g = grants.remove(address);
    return g == null ? null : g.message();
  }

  boolean isEmpty() {
    return grants.isEmpty();
  }

  int size() {
    return grants.size();
  }

  private void purge(long nowNanos) {
    for (Iterator<Grant> it = grants.values().iterator(); it.hasNext(); ) {
      if (it.next().expiresAtNanos() - nowNanos > 0) {
        return;
      }
      it.remove();
    }
  }
}
