package dev.opsbus.node;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The cluster is a trust boundary, not a security boundary: a JVM that joins it can put any message
 * on the bus with any identity headers, answer any address and read every published message (see
 * docs/ARCHITECTURE.md, "Cluster trust boundary"). So a node refuses to start when its cluster
 * member and event bus would bind an address reachable from the internet, unless told explicitly
 * ({@code --cluster-allow-public}) that the network around it is private anyway.
 */
final class ClusterExposure {

  private ClusterExposure() {
  }

  /** Whether an address is one only a private network reaches: loopback, RFC 1918, link-local, CGNAT, IPv6 ULA. */
  static boolean isPrivate(InetAddress a) {
    if (a.isLoopbackAddress() || a.isSiteLocalAddress() || a.isLinkLocalAddress()) {
      return true;
    }
    byte[] b = a.getAddress();
    if (a instanceof Inet6Address) {
      return (b[0] & 0xfe) == 0xfc; // fc00::/7, unique local
    }
    return (b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64; // 100.64.0.0/10, carrier-grade NAT
  }

  /**
   * @throws NodeStartException when {@code host} is a wildcard or a public address and {@code allowPublic} is off
   */
  static void requirePrivate(String host, boolean allowPublic) {
    if (allowPublic) {
      return;
    }
    InetAddress a;
    try {
      a = InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      throw new NodeStartException("cluster host " + host + " does not resolve: " + e.getMessage(), e);
    }
    if (a.isAnyLocalAddress()) {
      throw new NodeStartException("cluster host " + host + " would bind every interface, public ones included: give --cluster-host a "
          + "private address (the cluster network must be private; see docs/ARCHITECTURE.md), or pass --cluster-allow-public", null);
    }
    if (!isPrivate(a)) {
      throw new NodeStartException("cluster host " + host + " (" + a.getHostAddress() + ") is a public address: any JVM that reaches it "
          + "can join the cluster and act on the bus as anyone. Use a private network, or pass --cluster-allow-public if a firewall "
          + "already keeps it private", null);
    }
  }
}
