package dev.opsbus.gateway.http;

import io.vertx.core.http.HttpServerRequest;

/**
 * A WebSocket upgrade request checked asynchronously (its token is verified, which may ask the
 * database whether it was revoked) must not end meanwhile, or Vert.x refuses to upgrade it
 * ("request has already been read"). Pausing holds its end until the upgrade takes it over.
 */
public final class UpgradeHold {

  private UpgradeHold() {
  }

  /** Pauses {@code request} when it asks for a WebSocket upgrade and has not ended yet; true when it did. */
  public static boolean pauseIfUpgrade(HttpServerRequest request) {
    String upgrade = request.getHeader("Upgrade");
    if (upgrade != null && upgrade.equalsIgnoreCase("websocket") && !request.isEnded()) {
      request.pause();
      return true;
    }
    return false;
  }
}
