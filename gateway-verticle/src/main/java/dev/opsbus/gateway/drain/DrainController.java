package dev.opsbus.gateway.drain;

import dev.opsbus.gateway.bridge.BridgeServer;
import dev.opsbus.gateway.http.ApiErrors;
import dev.opsbus.model.Addresses;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.Json;
import dev.opsbus.model.NodeLocal;
import dev.opsbus.model.event.ServerStatus;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's part of a node leaving on SIGTERM. From the moment the launcher marks the node
 * draining ({@link NodeLocal#DRAINING}) {@code /ready} answers 503 {@code node_draining} (the load
 * balancer moves new traffic) and {@link #guard} refuses what would start something here: new
 * real-time connections, terminal sockets, new operations and terminals, each with 503
 * {@code node_draining} and {@code Retry-After}. {@link #drain} then tells every bridge client to go,
 * each with its own reconnect delay spread over the window; when this is the cluster's last node it
 * first publishes {@code status.server} "down", so the clients hear it before their sockets close.
 */
public final class DrainController {

  private static final Logger LOG = LoggerFactory.getLogger(DrainController.class);

  private final Vertx vertx;
  private final String nodeId;
  private final BridgeServer bridge;

  public DrainController(Vertx vertx, String nodeId, BridgeServer bridge) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.bridge = bridge;
  }

  public boolean draining() {
    return vertx.sharedData().getLocalMap(NodeLocal.MAP).get(NodeLocal.DRAINING) != null;
  }

  /** Router handler in front of everything: while draining, nothing new starts on this node. */
  public void guard(RoutingContext ctx) {
    if (draining() && startsSomething(ctx.request().method(), ctx.request().path())) {
      ApiErrors.send(ctx, ErrorCode.NODE_DRAINING, "this node is shutting down: try another node (or again in a moment)");
      return;
    }
    ctx.next();
  }

  /** New sockets (bridge, terminals) and the calls that start an operation or open a terminal. */
  static boolean startsSomething(HttpMethod method, String path) {
    if (path.startsWith("/eventbus") || path.startsWith("/ws/")) {
      return true;
    }
    return method == HttpMethod.POST && path.startsWith("/api/hosts/")
        && (path.endsWith("/operations") || path.endsWith("/terminals"));
  }

  /**
   * Closes every bridge connection with {@code node_draining} and a reconnect delay within
   * {@code window}; publishes {@code status.server} down first when {@code lastNode}. Returns how
   * many connections were closed. Call on the gateway's event loop.
   */
  public int drain(Duration window, boolean lastNode) {
    if (lastNode) {
      ServerStatus down = new ServerStatus(ServerStatus.TYPE, Instant.now(), System.currentTimeMillis(), ServerStatus.DOWN,
          "The last node (" + nodeId + ") is shutting down: the service is going away until a node starts again.", 0);
      vertx.eventBus().publish(Addresses.STATUS_SERVER, Json.toJsonObject(down));
      LOG.info("node {} is the last node of its cluster: published status.server down", nodeId);
    }
    int n = bridge.drain(window, ThreadLocalRandom.current());
    LOG.info("node {} draining: told {} real-time client(s) to reconnect within {} ms", nodeId, n, window.toMillis());
    return n;
  }
}
