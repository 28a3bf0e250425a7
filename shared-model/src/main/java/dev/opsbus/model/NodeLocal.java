package dev.opsbus.model;

/**
 * The node-local shared map ({@code vertx.sharedData().getLocalMap(MAP)}) through which the
 * launcher tells its verticles what only it knows: that every verticle is deployed, who the
 * cluster's members are, and that the node is draining before it stops. Nothing here crosses
 * the cluster.
 */
public final class NodeLocal {

  /** The map's name. */
  public static final String MAP = "opsbus.node";
  /** Comma-separated verticles, set once all of them are deployed. */
  public static final String DEPLOYED = "deployed";
  /**
   * Comma-separated opsbus node ids of the cluster's live members, this node included; updated on
   * every membership change. Absent on a node that is not clustered.
   */
  public static final String MEMBERS = "members";
  /** Set (to the epoch millis it began) once the node drains before it stops. */
  public static final String DRAINING = "draining";

  private NodeLocal() {
  }
}
