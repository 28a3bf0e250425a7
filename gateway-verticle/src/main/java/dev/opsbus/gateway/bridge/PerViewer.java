package dev.opsbus.gateway.bridge;

import dev.opsbus.gateway.presence.PresenceFilter;
import dev.opsbus.model.Addresses;
import dev.opsbus.model.Principal;
import io.vertx.core.json.JsonObject;

/**
 * Addresses whose messages each subscriber sees cut to what it may see, so they cannot take the
 * encode-once path: today only {@code presence.changes} ({@link PresenceFilter}). A message there
 * is small and rare, so encoding it per subscriber costs nothing that matters.
 */
final class PerViewer {

  private PerViewer() {
  }

  static boolean applies(String address) {
    return Addresses.PRESENCE_CHANGES.equals(address);
  }

  /** The frame {@code viewer} gets for {@code delivery}. */
  static String frame(String address, Delivery delivery, Principal viewer) {
    if (delivery.message().body() instanceof JsonObject body) {
      return BridgeFrames.rec(address, PresenceFilter.forViewer(body, viewer), null, null);
    }
    return delivery.frame();
  }
}
