package dev.opsbus.node;

/**
 * The TCP port the clustered event bus listens on: {@code OPSBUS_EVENTBUS_PORT}, or any free port
 * (0) when unset. Behind a firewall give it a fixed value and open it between the nodes (see
 * docs/DEPLOY.md); Hazelcast's own port is set in cluster.xml (5701 and up).
 */
final class EventBusPort {

  static final String ENV = "OPSBUS_EVENTBUS_PORT";

  private EventBusPort() {}

  static int fromEnvironment() {
    String v = System.getenv(ENV);
    if (v == null || v.isBlank()) {
      return 0;
    }
    try {
      int port = Integer.parseInt(v.trim());
      if (port < 0 || port > 65535) {
        throw new NumberFormatException();
      }
      return port;
    } catch (NumberFormatException e) {
      throw new NodeStartException(ENV + " must be a port number (0-65535), got '" + v + "'", e);
    }
  }
}
